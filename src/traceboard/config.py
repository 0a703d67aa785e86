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
