"""Settings read from the environment, with the defaults a fresh checkout needs."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(__file__).resolve().parent


def var_dir() -> Path:
    """Where run-time files live (the embedded database, screenshots, caches)."""
    return Path(os.environ.get("TRACEBOARD_VAR_DIR", PROJECT_ROOT / "var"))


def database_url() -> str:
    """``TRACEBOARD_DATABASE_URL``, else an SQLite file under ``var/``."""
    url = os.environ.get("TRACEBOARD_DATABASE_URL", "").strip()
    return url or f"sqlite:///{var_dir() / 'traceboard.db'}"


def reference_path() -> Path:
    """The city's reference data file (``TRACEBOARD_REFERENCE`` for another county)."""
    default = PACKAGE_ROOT / "data" / "reference" / "xiangxiang.toml"
    return Path(os.environ.get("TRACEBOARD_REFERENCE", default))


def audit_key_path() -> Path:
    """The Ed25519 key that signs the audit log's checkpoints (``TRACEBOARD_AUDIT_KEY``, else under var/).

    It must live outside the database: whoever holds both can rewrite the log and sign it."""
    path = os.environ.get("TRACEBOARD_AUDIT_KEY", "").strip()
    return Path(path) if path else var_dir() / "audit-key.pem"


def audit_checkpoint_copy_path() -> Path:
    """Where the software keeps its own copy of the latest checkpoint, outside the database."""
    return var_dir() / "audit-checkpoint.json"
