"""Signed checkpoints of the audit log: "its first ``rows`` rows end with hash ``head``".

A hash chain alone shows an edited or removed row in the middle, but anyone who can
write to the database can cut its tail or recompute every hash after an edit. A
checkpoint pins the chain at a length with a signature whose key lives outside the
database (:mod:`traceboard.data.audit_key`), as Certificate Transparency's signed
tree heads do.

The software seals every transaction that appends audit rows with a checkpoint
covering exactly those rows (``first_row``..``rows``), in the same transaction, so
the checkpoints tile the log: a row that no checkpoint covers was added past the
software. After each commit it also keeps a copy of the latest checkpoint outside
the database (:func:`copy_path`). Checking the log against checkpoints is
:mod:`traceboard.data.audit_verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, event, func, insert, literal, select
from sqlalchemy.orm import Session

from traceboard import config
from traceboard.data.audit_key import AuditKeyError, SigningKey, install_staged, load_key, staged_path
from traceboard.data.models import AuditCheckpoint, AuditKeyRotation, AuditLog
from traceboard.i18n import Message

FORMAT = "traceboard-audit-checkpoint/1"
_FIRST_ID = "traceboard_audit_first_id"  # session.info: id of the first audit row of the transaction
_SEALED = "traceboard_audit_sealed"  # session.info: the checkpoint to copy out after commit
log = logging.getLogger(__name__)


class AuditSealError(RuntimeError):
    """The log no longer ends where its latest checkpoint says: the software signs nothing more."""


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be read as one (one-line message)."""


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite gives naive UTC back
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement about the log. ``id`` is set for stored ones, ``public_key`` for files."""

    at: dt.datetime
    first_row: int
    rows: int
    head: str
    key_id: str
    signature: str
    id: int | None = None
    public_key: str | None = None
    source: str | None = None  # where a checkpoint from outside the database came from

    def statement(self) -> bytes:
        """The exact bytes that are signed: canonical JSON of the format, moment, range and head."""
        return statement(self.at, self.first_row, self.rows, self.head, self.key_id)

    @property
    def label(self) -> Message:
        """What the verifier and the command line call it: "checkpoint 7 (120 rows, … UTC)"."""
        at = _utc_text(self.at)[:19].replace("T", " ")
        if self.id is not None:
            return Message("store.checkpoint.label_stored", id=self.id, rows=self.rows, at=at)
        if self.source is not None:
            return Message("store.checkpoint.label_file", source=self.source, rows=self.rows, at=at)
        return Message("store.checkpoint.label_unnamed", rows=self.rows, at=at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "at": _utc_text(self.at),
            "first_row": self.first_row,
            "rows": self.rows,
            "head": self.head,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_row(cls, row: AuditCheckpoint, public_key: str | None = None) -> Checkpoint:
        return cls(row.at, row.first_row, row.rows, row.head, row.key_id, row.signature, row.id, public_key)

    @classmethod
    def from_json(cls, data: bytes | str, source: str) -> Checkpoint:
        """A checkpoint from a file (a published ``audit-checkpoint.json``, a saved copy)."""
        try:
            value = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CheckpointFileError(
                Message("store.checkpoint.unreadable", source=source, detail=str(exc))
            ) from None
        return cls.from_dict(value, source)

    @classmethod
    def from_dict(cls, value: Any, source: str) -> Checkpoint:
        """A checkpoint from its JSON object (:meth:`as_dict`); CheckpointFileError naming ``source``."""
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise CheckpointFileError(
                Message("store.checkpoint.not_checkpoint", source=source, format=FORMAT)
            )
        rows, first_row = value.get("rows"), value.get("first_row")
        if not (isinstance(rows, int) and isinstance(first_row, int) and 1 <= first_row <= rows):
            raise CheckpointFileError(Message("store.checkpoint.counts", source=source))
        try:
            at = dt.datetime.fromisoformat(value["at"])
            head, key_id, signature = (str(value[k]) for k in ("head", "key_id", "signature"))
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointFileError(
                Message("store.checkpoint.unreadable", source=source, detail=str(exc))
            ) from None
        public_key = value.get("public_key")
        return cls(at, first_row, rows, head, key_id, signature, public_key=public_key, source=source)


def statement(at: dt.datetime, first_row: int, rows: int, head: str, key_id: str) -> bytes:
    content = {
        "format": FORMAT,
        "at": _utc_text(at),
        "first_row": first_row,
        "rows": rows,
        "head": head,
        "key_id": key_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def mark_appended(session: Session, row_id: int) -> None:
    """Called for every audit row written: the transaction will be sealed before it commits."""
    session.info.setdefault(_FIRST_ID, row_id)


def seal(session: Session, reason: str = "write") -> Checkpoint:
    """Sign and store a checkpoint of the log as it stands in this transaction.

    It covers the rows this transaction appended (from the first one on) up to the
    log's current end. The caller holds the log's append lock (record_audit took it)."""
    key = signing_key(session)
    session.flush()
    # the latest checkpoint, and the hash its head row has now (three small statements in all)
    last = session.execute(
        select(AuditCheckpoint.id, AuditCheckpoint.rows, AuditCheckpoint.head_id, AuditCheckpoint.head)
        .add_columns(AuditLog.hash)
        .outerjoin(AuditLog, AuditLog.id == AuditCheckpoint.head_id)
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    ).first()
    base_rows, base_id = (last.rows, last.head_id) if last else (0, 0)
    if last is not None and last.hash != last.head:
        raise AuditSealError(Message("store.checkpoint.log_changed", id=last.id, rows=last.rows))
    first_id = session.info.pop(_FIRST_ID, None)
    before_first = func.count(case((AuditLog.id < first_id, 1))) if first_id else literal(0)
    added, before = session.execute(select(func.count(), before_first).where(AuditLog.id > base_id)).one()
    tail = session.execute(select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
    if not added or tail is None:
        raise ValueError("nothing to seal: the audit log has no row after the latest checkpoint")
    rows = base_rows + added
    first_row = base_rows + before + 1 if first_id else rows
    at = dt.datetime.now(dt.UTC)
    signature = key.sign(statement(at, first_row, rows, tail.hash, key.public.key_id))
    values = {
        "at": at,
        "first_row": first_row,
        "rows": rows,
        "head": tail.hash,
        "head_id": tail.id,
        "key_id": key.public.key_id,
        "signature": signature,
        "reason": reason,
    }
    row_id = session.execute(
        insert(AuditCheckpoint).values(values).returning(AuditCheckpoint.id)
    ).scalar_one()
    sealed = Checkpoint(at, first_row, rows, tail.hash, key.public.key_id, signature, row_id, key.public.text)
    session.info[_SEALED] = (sealed, session.get_bind().url.render_as_string(hide_password=True))
    return sealed


def signing_key(session: Session) -> SigningKey:
    """The key that signs now: the key file's, once a rotation that stopped half-way is finished.

    A rotation commits its handover, then moves the staged key into place. A crash between the
    two leaves the handover on record and the old key in the file: checkpoints the old key signed
    from then on would fail verification for good (it is past its turn). So when a staged key is
    the one the latest handover on record went to, from the key in the file, it is moved into place
    here, before anything is signed. A staged key not on record (a rotation that failed, or one
    still in its transaction) is left as it is. docs/architecture.md, "The audit trail's keys"."""
    key = load_key()
    staged = staged_path()
    if not staged.exists():
        return key
    latest = session.execute(
        select(AuditKeyRotation.old_key_id, AuditKeyRotation.new_key_id)
        .order_by(AuditKeyRotation.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.old_key_id != key.public.key_id:
        return key
    try:
        new = load_key(staged)
    except AuditKeyError:  # gone meanwhile (its rotation moved it), or not a key: not ours to judge here
        return load_key()
    if new.public.key_id != latest.new_key_id:
        return key
    install_staged(staged, new.public.key_id)
    log.warning(
        "audit key rotation to %s had stopped before its key was moved into place: finished now",
        new.public.key_id,
    )
    return load_key()


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session: Session) -> None:
    if session.info.get(_FIRST_ID) is not None:
        seal(session)


@event.listens_for(Session, "after_commit")
def _copy_after_commit(session: Session) -> None:
    sealed = session.info.pop(_SEALED, None)
    if sealed is not None:
        checkpoint, url = sealed
        try:
            write_copy(checkpoint, copy_path(url))
        except OSError as exc:  # the record is committed; the copy outside it is a second line of defence
            log.warning("could not keep a copy of the audit checkpoint: %s", exc)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_FIRST_ID, None)
    session.info.pop(_SEALED, None)


def copy_path(url: str) -> Path:
    """The copy of the latest checkpoint of the database at ``url``, under the var dir (outside it)."""
    tag = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return config.var_dir() / f"audit-checkpoint-{tag}.json"


def write_copy(checkpoint: Checkpoint, path: Path, force: bool = False) -> None:
    """Replace ``path`` atomically with ``checkpoint`` (owner-readable only) unless it holds a later
    one (``force``: a restore, which puts an earlier log back on purpose)."""
    if not force:
        try:
            held = Checkpoint.from_json(path.read_bytes(), str(path))
            if held.rows > checkpoint.rows:  # another process committed a later one first
                return
        except (OSError, CheckpointFileError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".audit-checkpoint-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(checkpoint.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def latest_checkpoint(conn: Connection | Session) -> Checkpoint | None:
    """The newest stored checkpoint with this installation's public key, or None."""
    row = conn.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if row is None:
        return None
    row = row[0] if isinstance(conn, Session) else row
    return Checkpoint.from_row(row, _public_text(conn, row.key_id))


def _public_text(conn: Connection | Session, key_id: str) -> str | None:
    """The public key that signed: this installation's, or — just after a rotation, before the new
    key's first checkpoint — the old one on record (a missing key is for verification to report)."""
    try:
        public = load_key().public
    except AuditKeyError:
        return None
    if public.key_id == key_id:
        return public.text
    return conn.execute(
        select(AuditKeyRotation.old_public_key).where(AuditKeyRotation.old_key_id == key_id).limit(1)
    ).scalar()


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    return [Checkpoint.from_row(r) for r in rows]


__all__ = [
    "FORMAT",
    "AuditSealError",
    "Checkpoint",
    "CheckpointFileError",
    "copy_path",
    "latest_checkpoint",
    "mark_appended",
    "seal",
    "signing_key",
    "statement",
    "stored_checkpoints",
]
