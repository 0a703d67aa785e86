"""Message catalogs: every piece of UI text, Chinese first, English second.

The catalogs (``locales/<lang>/*.toml``, one namespace per page) are read by
:mod:`traceboard.catalogs`, which the reports and commands use as well; the pages
use these names.
"""

from __future__ import annotations

from traceboard.catalogs import DEFAULT_LANGUAGE, LANGUAGES, LOCALES, load_catalog, translate

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LOCALES", "load_catalog", "translate"]
