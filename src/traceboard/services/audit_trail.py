"""The audit trail's use cases: checkpoints, verification, and the acts that disclose the record
(publishing the public site, exports, backups), each of which writes one audit row.

Publishing and backups also seal the log with a checkpoint and carry it out of the
database: the site as ``audit-checkpoint.json`` (with the public key), a backup in
its header. A restore checks the restored chain against the checkpoint it carries
before it commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from traceboard import config
from traceboard.accounts.authz import Actor, require
from traceboard.blacklist.site import SiteSettings
from traceboard.data.audit import record_audit
from traceboard.data.audit_checkpoint import (  # noqa: F401  (errors re-exported for the faces)
    AuditSealError,
    Checkpoint,
    CheckpointFileError,
    copy_path,
    seal,
    signing_key,
    write_copy,
)
from traceboard.data.audit_key import (  # noqa: F401  (AuditKeyError re-exported for the faces)
    AuditKeyError,
    install_staged,
    stage_key,
)
from traceboard.data.audit_rotation import record_rotation
from traceboard.data.audit_verify import AuditReport, check_latest, verify_log
from traceboard.data.backup import BackupError, BackupSummary, restore_backup, write_backup
from traceboard.data.db import transaction
from traceboard.files.site_writer import write_site
from traceboard.i18n import Message
from traceboard.services import public

SITE_CHECKPOINT = "audit-checkpoint.json"


def _copy_of(engine: Engine) -> Path:
    return copy_path(engine.url.render_as_string(hide_password=True))


def read_checkpoint_file(path: Path) -> Checkpoint:
    """A checkpoint saved elsewhere (e.g. the public site's ``audit-checkpoint.json``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointFileError(
            Message("store.checkpoint.cannot_read", file=str(path), reason=exc.strerror or str(exc))
        ) from None
    return Checkpoint.from_json(data, path.name)


def verify_audit(engine: Engine, against: Iterable[Path] = ()) -> AuditReport:
    """The chain, every stored checkpoint, the copy kept outside the database, and ``against`` files."""
    outside = [read_checkpoint_file(p) for p in against]
    copy = _copy_of(engine)
    if copy.exists():
        held = read_checkpoint_file(copy)
        outside.insert(0, dataclasses.replace(held, source=Message("store.checkpoint.kept_outside")))
    with Session(engine) as session:
        return verify_log(session, outside)


def write_checkpoint(engine: Engine, actor: Actor) -> Checkpoint:
    """Seal the log now (``audit checkpoint --as NAME``): one audit row, then a checkpoint covering it."""
    require(actor, "audit.read")
    with transaction(engine) as session:
        record_audit(session, actor=actor.username, action="audit.checkpoint", entity="audit_log")
        return seal(session, reason="manual")


@dataclasses.dataclass(frozen=True)
class Rotation:
    """A finished key rotation: the old and new key ids, the rows the old key signed, the key file."""

    old_key_id: str
    new_key_id: str
    after_rows: int
    key_file: Path


def rotate_key(engine: Engine, actor: Actor) -> Rotation:
    """Hand the checkpoints' signing key over to a new one (``audit rotate-key --as NAME``; admin).

    One transaction: the audit row of the rotation, the old key's last checkpoint covering it,
    and the handover signed by both keys (docs/architecture.md, "The audit trail's keys"). The new key
    is staged beside the key file first and moved into place only after the commit; if the
    transaction fails, the staged key is removed and nothing changed. A rotation that stopped
    between its commit and that move is finished first (``signing_key``)."""
    require(actor, "audit.rotate_key")
    with Session(engine) as session:
        old = signing_key(session)
    staged, new = stage_key()
    try:
        with transaction(engine) as session:
            record_audit(
                session,
                actor=actor.username,
                action="audit.rotate_key",
                entity="audit_key",
                before={"key_id": old.public.key_id, "public_key": old.public.text},
                after={"key_id": new.public.key_id, "public_key": new.public.text},
            )
            last = seal(session, reason="rotate")  # the old key's last checkpoint
            record_rotation(session, old, new, last.rows, actor.username)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    install_staged(staged, new.public.key_id)
    return Rotation(old.public.key_id, new.public.key_id, last.rows, config.audit_key_path())


def latest_status(engine: Engine, actor: Actor | None) -> tuple[Checkpoint | None, str | None]:
    """The latest stored checkpoint (with the public key when this installation signed it) and what
    keeps the log from reaching it (None when it does): a quick look, not the whole walk."""
    require(actor, "audit.read")
    with Session(engine) as session:
        return check_latest(session)


def audited_download(
    engine: Engine,
    actor: Actor,
    kind: str,
    fmt: str,
    rows: int,
    filters: Mapping | None,
    make: Callable[[], bytes],
) -> Callable[[], bytes]:
    """For a download button: the file's bytes, made when the user asks for them, with the audit row."""

    def deliver() -> bytes:
        content = make()
        record_export(engine, actor, kind, fmt, rows, filters)
        return content

    return deliver


def publish_site(
    engine: Engine,
    actor: Actor,
    out: Path,
    as_of: dt.date | None = None,
    settings: SiteSettings | None = None,
) -> list[Path]:
    """Write the public site into ``out`` with the log's checkpoint; audit row and files together."""
    require(actor, "site.publish")
    files = public.build_site(engine, as_of, settings)
    with transaction(engine) as session:
        record_audit(
            session,
            actor=actor.username,
            action="site.publish",
            entity="site",
            after={"out": str(out), "files": len(files) + 1, "as_of": as_of},
        )
        checkpoint = seal(session, reason="publish")
        files[SITE_CHECKPOINT] = checkpoint.to_json()
        return write_site(files, out)  # a failure here rolls the audit row back: nothing was published


def record_export(
    engine: Engine,
    actor: Actor,
    kind: str,
    fmt: str,
    rows: int,
    filters: Mapping | None = None,
    deliver: Callable[[], object] | None = None,
) -> None:
    """One audit row for an export that leaves the system (register, personal data, the audit log).

    ``deliver`` (writing the file) runs inside the same transaction: if it fails, no row is kept."""
    with transaction(engine) as session:
        record_audit(
            session,
            actor=actor.username,
            action="export",
            entity=kind,
            after={"format": fmt, "rows": rows, "filters": dict(filters or {})},
        )
        if deliver is not None:
            deliver()


def take_backup(engine: Engine, actor: Actor, out: Path) -> BackupSummary:
    """Record the backup, seal the log, then write the snapshot (which carries that checkpoint)."""
    require(actor, "record.backup")
    with transaction(engine) as session:
        record_audit(
            session, actor=actor.username, action="backup.write", entity="record", after={"file": str(out)}
        )
        seal(session, reason="backup")
    return write_backup(engine, out)


@dataclasses.dataclass(frozen=True)
class Restored:
    summary: BackupSummary
    report: AuditReport
    replaced_copy: Checkpoint | None  # the copy outside the database from before, when it was later


def restore_verified(engine: Engine, path: Path) -> Restored:
    """Restore ``path`` into an empty database; commit only if the restored log reaches its checkpoints."""
    reports: list[AuditReport] = []

    def check(session: Session, summary: BackupSummary) -> None:
        if summary.checkpoint is None:
            raise BackupError(Message("store.backup.no_checkpoint", file=path.name))
        report = verify_log(session, [summary.checkpoint])
        if not report.ok:
            raise BackupError(Message("store.backup.log_fails", problem=report.problem))
        reports.append(report)

    summary = restore_backup(engine, path, check)
    copy = _copy_of(engine)
    earlier = None
    if copy.exists():
        try:
            held = read_checkpoint_file(copy)
            earlier = held if held.rows > summary.checkpoint.rows else None
        except CheckpointFileError:
            pass
    write_copy(summary.checkpoint, copy, force=True)
    return Restored(summary, reports[0], earlier)
