"""The key that signs the audit log's checkpoints: an Ed25519 key in a file outside the database.

The file is PEM (PKCS #8, unencrypted) readable by its owner only; it is created
once (``traceboard init``) and replaced only by ``traceboard audit rotate-key``
(:mod:`traceboard.data.audit_rotation`), which stages the new key beside it and moves
it into place once the handover is on record. A key file that others may read is
refused: anyone who can read it can sign a rewritten log.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from traceboard import config
from traceboard.i18n import Message


class AuditKeyError(RuntimeError):
    """The signing key is missing, unreadable or not owner-only (one-line message)."""


@dataclass(frozen=True)
class PublicKey:
    """A checkpoint signer's public key: raw bytes, their base64 text and a short id."""

    raw: bytes

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        try:
            raw = base64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            raise ValueError("public key is not base64") from None
        if len(raw) != 32:
            raise ValueError("public key is not 32 bytes (Ed25519)")
        return cls(raw)

    @property
    def text(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def key_id(self) -> str:
        """The first 16 hex digits of SHA-256 of the raw key: what people compare by eye."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def verifies(self, signature: str, message: bytes) -> bool:
        try:
            sig = base64.b64decode(signature, validate=True)
            Ed25519PublicKey.from_public_bytes(self.raw).verify(sig, message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public: PublicKey

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def _write_new(path: Path) -> bool:
    """Write a new key to ``path`` unless a file is there (O_EXCL, owner-only); whether it was written."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:  # O_EXCL: two writers at once never overwrite each other's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return True


def staged_path(path: Path | None = None) -> Path:
    """Where a rotation keeps the next key until the handover is committed."""
    path = path or config.audit_key_path()
    return path.with_name(path.name + ".next")


def stage_key(path: Path | None = None) -> tuple[Path, SigningKey]:
    """A new key written beside the key file (``staged_path``); AuditKeyError if one is already staged
    (an earlier rotation stopped half-way: the message says what to do)."""
    staged = staged_path(path)
    if not _write_new(staged):
        raise AuditKeyError(Message("store.rotation.key_staged", path=str(staged)))
    return staged, load_key(staged)


def install_staged(staged: Path, new_key_id: str, path: Path | None = None) -> None:
    """Replace the key file with the staged key (atomic rename); the old private key is gone.

    Another process may have moved it into place first (a seal finishing the rotation,
    :func:`traceboard.data.audit_checkpoint.signing_key`): then the key file already holds the key
    ``new_key_id``, and there is nothing left to do."""
    path = path or config.audit_key_path()
    try:
        os.replace(staged, path)
    except FileNotFoundError:
        if load_key(path).public.key_id != new_key_id:
            raise


def ensure_key(path: Path | None = None) -> tuple[Path, bool]:
    """Create the key file (owner-only) unless it exists; return its path and whether it was created."""
    path = path or config.audit_key_path()
    if path.exists():
        load_key(path)  # refuse a broken or world-readable file now rather than at the first write
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, _write_new(path)  # two `init`s at once never overwrite each other's key


def load_key(path: Path | None = None) -> SigningKey:
    """The signing key at ``path`` (default: the configured one); AuditKeyError if unusable."""
    path = path or config.audit_key_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AuditKeyError(Message("store.key.missing", path=str(path))) from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(Message("store.key.open", path=str(path), mode=f"{stat.S_IMODE(st.st_mode):o}"))
    return _load(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int, _size: int) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(Message("store.key.unreadable", path=str(path), detail=str(exc))) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(Message("store.key.not_ed25519", path=str(path)))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(private, PublicKey(raw))
