"""The message catalogs, as the pages import them (they live in the kernel: ``traceboard/i18n.py``,
since the domain's errors and the command line are worded from the same catalogs)."""

from __future__ import annotations

from traceboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES, Message, load_catalog, translate, word

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LOCALES", "Message", "load_catalog", "translate", "word"]
