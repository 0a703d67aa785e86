"""Loading the blacklist rules and alert templates (TOML under src/traceboard/config/)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from traceboard.config import PACKAGE_ROOT
from traceboard.data.toml_files import unreadable_toml
from traceboard.i18n import Message

CONFIG_DIR = PACKAGE_ROOT / "config"
RULES_FILE = CONFIG_DIR / "blacklist_rules.toml"
TEMPLATES_FILE = CONFIG_DIR / "alert_templates.toml"


class ConfigError(ValueError):
    """A rules or templates file is missing or malformed (one-line message)."""


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(unreadable_toml("store.blacklist_config.unreadable", path, exc)) from None


@cache
def load_blacklist_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """The rules file as a dict: lifecycle, defaults, result_rules, repeat_rule."""
    data = _read(path)
    for key in ("lifecycle", "defaults", "result_rules"):
        if key not in data:
            raise ConfigError(Message("store.blacklist_config.missing", file=str(path), key=key))
    return data


@cache
def load_alert_templates(path: Path = TEMPLATES_FILE) -> dict[str, Any]:
    """The alert templates: ``sector.<code>``, ``listing``, ``checks`` (each title, body, severity)."""
    return _read(path)
