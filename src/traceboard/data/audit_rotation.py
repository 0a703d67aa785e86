"""Handing the checkpoints' signing key over to a new one, and the keys on record that verify them.

A rotation (``traceboard audit rotate-key``) seals the log one last time with the old key
(the checkpoint that covers the rotation's own audit row), then records the handover: the
old and the new public key and the log length the old key's checkpoints reach
(``after_rows``), in a statement both keys sign. The new key file replaces the old one after
the commit; the old private key is gone, its public key stays on record.

Which key verifies which checkpoint: the trusted key is this installation's key file. The
latest handover must be to it, and its new-key signature proves the handover was made by
whoever held it; that handover names the previous key, which must have signed it too, and
so back to the first key. A checkpoint of ``rows`` rows is verified by the key that was
signing at that length: the first handover's old key up to its ``after_rows``, each new key
after it. A key that is on no signed handover — put into the table by someone who can write
to the database but holds no key — verifies nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceboard.data.audit_key import PublicKey, SigningKey
from traceboard.data.models import AuditKeyRotation
from traceboard.i18n import Message

FORMAT = "traceboard-audit-key-rotation/1"


def _utc_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # SQLite gives naive UTC back
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def handover_statement(at: dt.datetime, after_rows: int, old: PublicKey, new: PublicKey) -> bytes:
    """The exact bytes both keys sign: canonical JSON of the format, moment, length and both keys."""
    content = {
        "format": FORMAT,
        "at": _utc_text(at),
        "after_rows": after_rows,
        "old_key_id": old.key_id,
        "old_public_key": old.text,
        "new_key_id": new.key_id,
        "new_public_key": new.text,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def record_rotation(
    session: Session, old: SigningKey, new: SigningKey, after_rows: int, actor: str
) -> AuditKeyRotation:
    """Store the handover from ``old`` to ``new`` after ``after_rows`` rows, signed by both."""
    at = dt.datetime.now(dt.UTC)
    signed = handover_statement(at, after_rows, old.public, new.public)
    row = AuditKeyRotation(
        at=at,
        after_rows=after_rows,
        old_key_id=old.public.key_id,
        old_public_key=old.public.text,
        new_key_id=new.public.key_id,
        new_public_key=new.public.text,
        old_signature=old.sign(signed),
        new_signature=new.sign(signed),
        rotated_by=actor,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class KeyRing:
    """The keys on record, each with the log lengths whose checkpoints it signed.

    ``periods``: (key, last length it signed, or None for the current key), oldest first."""

    periods: tuple[tuple[PublicKey, int | None], ...]

    @property
    def current(self) -> PublicKey:
        return self.periods[-1][0]

    @property
    def rotated(self) -> bool:
        return len(self.periods) > 1

    def signer_at(self, rows: int) -> PublicKey:
        """The key that signed the checkpoints of a log ``rows`` rows long."""
        for key, last in self.periods:
            if last is None or rows <= last:
                return key
        return self.current

    def on_record(self, key_id: str) -> bool:
        return any(key.key_id == key_id for key, _ in self.periods)


def _key(text: str, key_id: str) -> PublicKey | None:
    try:
        key = PublicKey.from_text(text)
    except ValueError:
        return None
    return key if key.key_id == key_id else None


def key_ring(session: Session, trusted: PublicKey) -> tuple[KeyRing, str | None]:
    """The keys on record, vouched for from ``trusted`` back to the first; and the first handover that
    does not hold (a ``Message``), or None. With no rotation, the ring is ``trusted`` alone."""
    rotations = session.scalars(select(AuditKeyRotation).order_by(AuditKeyRotation.id)).all()
    if not rotations:
        return KeyRing(((trusted, None),)), None
    periods: list[tuple[PublicKey, int | None]] = [(trusted, None)]
    expected = trusted  # the key the handover being checked must have handed over to
    later_rows = None
    for row in reversed(rotations):
        new, old = _key(row.new_public_key, row.new_key_id), _key(row.old_public_key, row.old_key_id)
        if new is None or new.raw != expected.raw:
            return KeyRing(tuple(periods)), Message(
                "store.rotation.not_to", rotation=row.id, signer=row.new_key_id, expected=expected.key_id
            )
        signed = handover_statement(row.at, row.after_rows, old or new, new)
        if (
            old is None
            or not new.verifies(row.new_signature, signed)
            or not old.verifies(row.old_signature, signed)
        ):
            return KeyRing(tuple(periods)), Message("store.rotation.forged", rotation=row.id)
        if later_rows is not None and row.after_rows > later_rows:
            return KeyRing(tuple(periods)), Message("store.rotation.order", rotation=row.id)
        periods.insert(0, (old, row.after_rows))
        expected, later_rows = old, row.after_rows
    return KeyRing(tuple(periods)), None
