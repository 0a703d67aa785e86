"""The audit trail: one append-only, hash-chained row per change of the record.

Each row's ``hash`` is SHA-256 over its canonical content and the previous
row's hash, so an edited, deleted or inserted row breaks the chain from that
row on (:func:`verify_chain`). A transaction that appends rows is sealed with a
signed checkpoint before it commits (:mod:`traceboard.data.audit_checkpoint`),
which catches what the chain alone cannot: a cut tail, a re-hashed chain, an
appended row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, text
from sqlalchemy.orm import Session

from traceboard.data.audit_checkpoint import mark_appended
from traceboard.data.models import AuditLog
from traceboard.i18n import Message

GENESIS = "0" * 64
# Serialises appends on PostgreSQL so that two writers never chain onto the
# same tail; SQLite write transactions are serialised by BEGIN IMMEDIATE.
_PG_AUDIT_LOCK = 7_413_001


def to_jsonable(value: Any) -> Any:
    """Plain JSON values (dates as ISO strings), so that what is stored is what was hashed."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default)) if value is not None else None


def _default(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:  # SQLite gives naive UTC back, PostgreSQL aware
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def compute_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 (hex) of a row's canonical JSON content chained to ``prev_hash``."""
    content = {
        "at": _utc_text(row["at"]),
        "actor": row["actor"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "before": row["before"],
        "after": row["after"],
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    before: Any = None,
    after: Any = None,
) -> AuditLog:
    """Append one audit row in the caller's transaction and return it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    prev = session.scalar(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)) or GENESIS
    row = {
        "at": dt.datetime.now(dt.UTC),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": to_jsonable(before),
        "after": to_jsonable(after),
    }
    entry = AuditLog(**row, prev_hash=prev, hash=compute_hash(row, prev))
    session.add(entry)
    session.flush()
    mark_appended(session, entry.id)  # the transaction is sealed with a signed checkpoint at commit
    return entry


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: Message


@dataclass
class ChainWalk:
    """What a walk of the chain saw: its length, the first break, the (id, hash) at asked positions."""

    rows: int = 0
    broken: ChainBreak | None = None
    at_rows: dict[int, tuple[int, str]] = field(default_factory=dict)


def walk_chain(session: Session, positions: set[int] = frozenset(), batch: int = 10_000) -> ChainWalk:
    """Walk the whole chain in id order; note the row (id, hash) at each 1-based position asked for.

    The walk stops at the first broken row."""
    walk = ChainWalk()
    prev = GENESIS
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id).limit(batch)
        ).all()
        if not rows:
            return walk
        for entry in rows:
            if entry.prev_hash != prev:
                walk.broken = ChainBreak(entry.id, Message("store.verify.prev_mismatch"))
                return walk
            content = {
                c: getattr(entry, c)
                for c in ("at", "actor", "action", "entity", "entity_id", "before", "after")
            }
            if compute_hash(content, prev) != entry.hash:
                walk.broken = ChainBreak(entry.id, Message("store.verify.row_edited"))
                return walk
            walk.rows += 1
            if walk.rows in positions:
                walk.at_rows[walk.rows] = (entry.id, entry.hash)
            prev = entry.hash
            last_id = entry.id
        session.expunge_all()


def verify_chain(session: Session, batch: int = 10_000) -> ChainBreak | None:
    """Walk the whole chain in id order; return the first broken row, or None when intact."""
    return walk_chain(session, batch=batch).broken


DISCLOSURES = frozenset(
    {"export", "platform.export", "site.publish", "backup.write", "audit.checkpoint", "audit.rotate_key"}
)
"""Audit actions that disclose or seal the record without changing it: they leave the data version
alone, so a download does not make every cache built on the record (the analysis frame first) stale."""


def _newest_change(conn: Connection | Session):
    return conn.execute(
        select(AuditLog.id, AuditLog.hash)
        .where(AuditLog.action.not_in(DISCLOSURES))
        .order_by(AuditLog.id.desc())
        .limit(1)
    ).first()


def data_version(conn: Connection | Session) -> int:
    """A number that changes whenever the record changes: the newest audit row of a change
    (every change writes one; disclosures such as exports are not changes)."""
    row = _newest_change(conn)
    return int(row[0]) if row else 0


def data_stamp(conn: Connection | Session) -> str:
    """``data_version`` with that row's hash: unique even across databases re-created
    at the same URL (ids restart, hashes cover the moment), so caches never mix records."""
    row = _newest_change(conn)
    return f"{row[0]}:{row[1]}" if row else "0"


def newest_change_of(conn: Connection | Session, prefixes: tuple[str, ...]) -> int:
    """The newest audit row whose action starts with one of ``prefixes`` (e.g. ``"import."``), 0
    when none: a version of what only those changes can alter. Each prefix is a range of the
    indexed ``action`` column, not a scan."""
    ranges = [and_(AuditLog.action >= p, AuditLog.action < p[:-1] + chr(ord(p[-1]) + 1)) for p in prefixes]
    return int(conn.scalar(select(func.max(AuditLog.id)).where(or_(*ranges))) or 0)
