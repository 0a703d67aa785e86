"""Settings read from the environment, with the defaults a fresh checkout needs."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(__file__).resolve().parent


def var_dir() -> Path:
    """Where run-time files live (the embedded database, screenshots, caches)."""
    return Path(os.environ.get("TRACEBOARD_VAR_DIR", PROJECT_ROOT / "var"))


def site_dir() -> Path:
    """Where the 黑名单与消费提示 page publishes the public site (``TRACEBOARD_SITE_DIR``, else
    ``var/site``): the folder the web server serves to the public."""
    path = os.environ.get("TRACEBOARD_SITE_DIR", "").strip()
    return Path(path) if path else var_dir() / "site"


def database_url() -> str:
    """``TRACEBOARD_DATABASE_URL``, else an SQLite file under ``var/``.

    ``TRACEBOARD_DATABASE_PASSWORD_FILE`` names a file holding the password (a container
    secret), so that the URL itself carries none.
    """
    url = os.environ.get("TRACEBOARD_DATABASE_URL", "").strip()
    return with_database_password(url or f"sqlite:///{var_dir() / 'traceboard.db'}")


def read_database_url() -> str | None:
    """``TRACEBOARD_READ_DATABASE_URL``: a read replica of the database, or None.

    Only the analysis frame is read from it; every write goes to :func:`database_url`.
    The password file applies to it too (a streaming replica has the primary's roles).
    """
    url = os.environ.get("TRACEBOARD_READ_DATABASE_URL", "").strip()
    return with_database_password(url) if url else None


def with_database_password(url: str) -> str:
    """``url`` with the password from ``TRACEBOARD_DATABASE_PASSWORD_FILE`` when that is set."""
    path = os.environ.get("TRACEBOARD_DATABASE_PASSWORD_FILE", "").strip()
    if not path:
        return url
    password = Path(path).read_text(encoding="utf-8").strip()
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def reference_path() -> Path:
    """The city's reference data file (``TRACEBOARD_REFERENCE`` for another county)."""
    default = PACKAGE_ROOT / "data" / "reference" / "xiangxiang.toml"
    return Path(os.environ.get("TRACEBOARD_REFERENCE", default))


def audit_key_path() -> Path:
    """The Ed25519 key that signs the audit log's checkpoints (``TRACEBOARD_AUDIT_KEY``, else under var/).

    It must live outside the database: whoever holds both can rewrite the log and sign it."""
    path = os.environ.get("TRACEBOARD_AUDIT_KEY", "").strip()
    return Path(path) if path else var_dir() / "audit-key.pem"


def active_window_days() -> int:
    """Days of the active-traceability window (``TRACEBOARD_ACTIVE_DAYS``, default 90)."""
    text = os.environ.get("TRACEBOARD_ACTIVE_DAYS", "").strip()
    try:
        days = int(text) if text else 90
    except ValueError:
        raise ValueError(f"TRACEBOARD_ACTIVE_DAYS must be a whole number of days, not {text!r}") from None
    if days < 1:
        raise ValueError(f"TRACEBOARD_ACTIVE_DAYS must be at least 1, not {days}")
    return days
