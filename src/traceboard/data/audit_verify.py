"""Checking the audit log against its signed checkpoints.

What each attack by someone who can write to the database changes, and what sees it:

- an edited, removed or inserted row in the middle: the hash chain breaks at the row after it;
- a cut tail (the last row, the last five, every row): a checkpoint states more rows than
  the log has — one stored in the database if the cutter left it, else one held outside
  (the copy under the var dir, the published site, a backup, a file saved by anyone);
- an edit with every later hash recomputed: the chain is whole again, but its hash at a
  checkpoint's length is no longer the one signed;
- a row appended with a correct hash: no checkpoint covers it (the software seals every
  transaction that appends rows with one covering exactly those rows);
- a forged checkpoint: its signature does not verify with the key on record for its length
  (this installation's key, or — before a rotation — the old key the rotation vouches for,
  :mod:`traceboard.data.audit_rotation`); a key never on record verifies nothing.

Someone who holds the signing key as well as the database can rewrite the log and sign
it again; only checkpoints held outside (published, saved, backed up) catch that.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceboard.data.audit import walk_chain
from traceboard.data.audit_checkpoint import Checkpoint, stored_checkpoints
from traceboard.data.audit_key import AuditKeyError, PublicKey, load_key
from traceboard.data.audit_rotation import KeyRing, key_ring
from traceboard.data.models import AuditCheckpoint, AuditLog
from traceboard.i18n import Message, message_of


@dataclass(frozen=True)
class AuditReport:
    """The outcome: the log's length, the checkpoints checked, and the first mismatch (or None)."""

    rows: int
    stored: int  # checkpoints in the database
    outside: int  # checkpoints held outside it (the copy, files, a backup's)
    latest: Checkpoint | None
    problem: Message | None  # a catalog message (store.verify.*), worded by the face that shows it

    @property
    def ok(self) -> bool:
        return self.problem is None


def trusted_key() -> tuple[PublicKey | None, Message | str | None]:
    """This installation's public key, or None and why not."""
    try:
        return load_key().public, None
    except AuditKeyError as exc:
        return None, message_of(exc) or str(exc)


def verify_log(session: Session, outside: Iterable[Checkpoint] = ()) -> AuditReport:
    """Check the chain, every stored checkpoint, and checkpoints held outside the database."""
    stored = stored_checkpoints(session)
    outside = list(outside)
    positions = {cp.rows for cp in [*stored, *outside]}
    positions |= {cp.rows + 1 for cp in stored}
    walk = walk_chain(session, positions)
    latest = stored[-1] if stored else None

    def report(problem: Message | None) -> AuditReport:
        return AuditReport(walk.rows, len(stored), len(outside), latest, problem)

    if walk.broken is not None:
        return report(Message("store.verify.chain_broken", row=walk.broken.row_id, reason=walk.broken.reason))
    key, key_problem = trusted_key()
    if key is None and (stored or outside):
        return report(Message("store.verify.no_key", problem=key_problem))
    keys, problem = key_ring(session, key) if key is not None else (None, None)
    if problem:
        return report(problem)
    for cp in stored:
        problem = _signature_problem(cp, keys)
        if problem:
            return report(problem)
    beyond = [cp for cp in stored if cp.rows > walk.rows]
    if beyond:  # name the furthest one: it shows how much was cut
        return report(_reach_problem(max(beyond, key=lambda cp: cp.rows), walk.rows, walk.at_rows))
    good = 0
    for cp in sorted(stored, key=lambda cp: cp.rows):
        problem = _reach_problem(cp, walk.rows, walk.at_rows, good)
        if problem:
            return report(problem)
        good = cp.rows
    problem = _check_tiling(stored, walk.rows, walk.at_rows)
    if problem:
        return report(problem)
    for cp in outside:
        problem = check_checkpoint(cp, keys, walk.rows, walk.at_rows, _good_below(stored, cp.rows))
        if problem:
            return report(problem)
    return report(None)


def check_checkpoint(
    cp: Checkpoint, keys: KeyRing, rows: int, at_rows: dict[int, tuple[int, str]], good: int = 0
) -> Message | None:
    """The one thing about ``cp`` that does not match the keys on record and the chain, or None."""
    return _signature_problem(cp, keys) or _reach_problem(cp, rows, at_rows, good)


def _signature_problem(cp: Checkpoint, keys: KeyRing) -> Message | None:
    """Whether ``cp`` is signed by the key that was signing at its length (none on record: forged)."""
    key = keys.signer_at(cp.rows)
    if cp.key_id != key.key_id or (cp.public_key is not None and cp.public_key != key.text):
        if not keys.rotated:
            return Message("store.verify.other_key", label=cp.label, ours=key.key_id, named=cp.key_id)
        turn = (
            "store.rotation.key_out_of_turn"
            if keys.on_record(cp.key_id)
            else "store.rotation.key_not_on_record"
        )
        return Message(turn, label=cp.label, signer=cp.key_id, rows=cp.rows, expected=key.key_id)
    if not key.verifies(cp.signature, cp.statement()):
        return Message("store.verify.bad_signature", label=cp.label)
    return None


def _reach_problem(
    cp: Checkpoint, rows: int, at_rows: dict[int, tuple[int, str]], good: int = 0
) -> Message | None:
    if cp.rows > rows:
        return Message("store.verify.rows_removed", label=cp.label, stated=cp.rows, rows=rows, first=rows + 1)
    row_id, head = at_rows[cp.rows]
    if head != cp.head:
        return Message(
            "store.verify.rewritten",
            label=cp.label,
            row=cp.rows,
            id=row_id,
            head=head[:12],
            signed=cp.head[:12],
            good=good,
        )
    return None


def _check_tiling(stored: list[Checkpoint], rows: int, at_rows: dict[int, tuple[int, str]]) -> Message | None:
    """Every row from the first checkpoint's on is covered by exactly one checkpoint."""
    if not stored:
        return Message("store.verify.none_cover", rows=rows) if rows else None
    for before, after in itertools.pairwise(stored):
        if after.first_row != before.rows + 1:
            return _gap(
                before.rows + 1,
                after.first_row - 1,
                at_rows,
                Message(
                    "store.verify.starts_at",
                    after=after.label,
                    first=after.first_row,
                    before=before.label,
                    last=before.rows,
                ),
            )
    last = stored[-1]
    if rows > last.rows:
        return _gap(last.rows + 1, rows, at_rows, Message("store.verify.latest_is", label=last.label))
    return None


def _gap(first: int, last: int, at_rows: dict[int, tuple[int, str]], context: Message) -> Message:
    if last < first:
        return Message("store.verify.overlap", context=context)
    if first in at_rows:
        return Message(
            "store.verify.uncovered_from", first=first, last=last, id=at_rows[first][0], context=context
        )
    return Message("store.verify.uncovered", first=first, last=last, context=context)


def _good_below(stored: list[Checkpoint], rows: int) -> int:
    return max((cp.rows for cp in stored if cp.rows < rows), default=0)


def check_latest(session: Session) -> tuple[Checkpoint | None, Message | None]:
    """The latest stored checkpoint and whether the log still reaches it, without walking the chain:
    its signature, the number of rows up to its head row, and that row's hash (a cut tail or a
    re-hashed chain changes one of them). None for the problem when it is reached."""
    row = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if row is None:
        return None, None
    key, key_problem = trusted_key()
    if key is None:
        return Checkpoint.from_row(row), Message("store.verify.no_key", problem=key_problem)
    keys, problem = key_ring(session, key)
    signer = keys.signer_at(row.rows)  # the old key, just after a rotation
    cp = Checkpoint.from_row(row, signer.text if signer.key_id == row.key_id else None)
    if problem:
        return cp, problem
    problem = _signature_problem(cp, keys)
    if problem:
        return cp, problem
    rows = session.scalar(select(func.count()).where(AuditLog.id <= row.head_id))
    head = session.scalar(select(AuditLog.hash).where(AuditLog.id == row.head_id))
    if head is None or rows != cp.rows:
        total = session.scalar(select(func.count()).select_from(AuditLog))
        if total < cp.rows:
            return cp, _reach_problem(cp, total, {})
        return cp, Message("store.verify.head_moved", label=cp.label, id=row.head_id, rows=cp.rows)
    if head != cp.head:
        return cp, _reach_problem(cp, cp.rows, {cp.rows: (row.head_id, head)})
    return cp, None
