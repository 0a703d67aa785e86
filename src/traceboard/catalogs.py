"""The message catalogs, for every layer: pages, reports, workbooks and commands word from them.

Catalogs are TOML files under ``dashboard/locales/<lang>/``; each file is a namespace
(``overview.toml`` holds the keys ``overview.*``), so each page owns its file. Both
languages must have the same keys (a test checks it). The pages reach them through
``dashboard.state.t``; a report or a rule's wording (an assessment's 说明) through
:func:`translate` with the language it is written in.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "dashboard" / "locales"
LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def load_catalog(lang: str) -> dict[str, str]:
    """All messages of a language, keyed ``<file>.<key>``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    messages: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), messages)
    return messages


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The message for ``key`` with ``{placeholders}`` filled; a missing key raises KeyError."""
    message = load_catalog(lang)[key]
    return message.format(**values) if values else message
