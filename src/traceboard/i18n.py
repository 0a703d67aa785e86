"""Message catalogs and the messages the layers below the faces give: Chinese first, English second.

Catalogs are TOML files under ``locales/<lang>/``; each file is a namespace
(``overview.toml`` holds the keys ``overview.*``), so each page or area owns its file.
Both languages must have the same keys and the same placeholders (tests check it).

A rule, an importer or a permission check does not know who reads its verdict, so it does
not word it: it gives a :class:`Message` — a catalog key (the *code*) and its parameters.
A ``Message`` is also a ``str``, its English wording, so logs, tests and code that only
passes text along keep working; the faces word it again in the reader's language with
:func:`word` (the pages in the session's language, the command line in :func:`cli_language`,
the error workbook in the language of the page that offers it). An exception carries its
``Message`` as its first argument (``raise PermissionDenied(Message("refusals.…", …))``).

This module is in the kernel, below every layer that raises such errors (docs/architecture.md).
"""

from __future__ import annotations

import os
import string
import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
# The command line's help texts (locales/zh/cli_help.toml): keyed by command path, not messages;
# English has none (the code's docstrings and help= are the English), so the catalogs skip it.
CLI_HELP = "cli_help"


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
        if path.stem == CLI_HELP:
            continue
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), messages)
    return messages


@cache
def load_cli_help(lang: str) -> dict[str, dict]:
    """The command line's help texts in ``lang``, keyed by command path (``traceboard``,
    ``import``, ``draw.commit``), each with ``help``, maybe ``short_help``, and ``options``
    (parameter name → help); empty for a language without them (English)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGUAGES)}")
    path = LOCALES / lang / f"{CLI_HELP}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The message for ``key`` with ``{placeholders}`` filled; a missing key raises KeyError."""
    message = load_catalog(lang)[key]
    return message.format(**values) if values else message


def placeholders(text: str) -> set[str]:
    """The names of the ``{placeholders}`` of a catalog message (``{rows:,}`` counts as ``rows``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Message(str):
    """A message a user may read: a catalog ``code`` with its ``params``.

    Its value as a ``str`` is the English wording; :meth:`word` gives it in any language.
    A parameter may itself be a ``Message`` (a step's name inside a refusal), worded alike, or a
    tuple of them (a list, joined with 、 in Chinese and ", " in English).
    """

    code: str
    params: dict[str, object]

    def __new__(cls, code: str, /, **params: object) -> Message:
        self = super().__new__(cls, _render(code, "en", params))
        self.code = code
        self.params = params
        return self

    def word(self, lang: str) -> str:
        return _render(self.code, lang, self.params)

    def __reduce__(self):
        return (_rebuild, (self.code, self.params))


def _rebuild(code: str, params: dict[str, object]) -> Message:
    return Message(code, **params)


LIST_SEPARATORS = {"zh": "、", "en": ", "}


def _param(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return value.word(lang)
    if isinstance(value, tuple):  # a list of names, e.g. the states a case may move to
        return LIST_SEPARATORS[lang].join(str(_param(v, lang)) for v in value)
    return value


def _render(code: str, lang: str, params: dict[str, object]) -> str:
    return translate(code, lang, **{k: _param(v, lang) for k, v in params.items()})


def message_of(value: object) -> Message | None:
    """The ``Message`` that ``value`` is or that an exception carries (its first argument), or None."""
    if isinstance(value, Message):
        return value
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], Message):
        return value.args[0]
    return None


def word(value: object, lang: str) -> str:
    """``value`` for a reader of ``lang``: a ``Message`` (or an exception carrying one) in that
    language, anything else as its text."""
    found = message_of(value)
    return found.word(lang) if found is not None else str(value)


def cli_language() -> str:
    """The language of the command line: ``TRACEBOARD_LANG`` (zh or en) if set; otherwise the
    terminal's locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): Chinese for ``zh_*``, English for
    any other (the command line's help and its own lines are English)."""
    chosen = os.environ.get("TRACEBOARD_LANG", "").strip().lower()
    if chosen:
        if chosen not in LANGUAGES:
            raise ValueError(f"TRACEBOARD_LANG={chosen!r}: choose from {', '.join(LANGUAGES)}")
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
