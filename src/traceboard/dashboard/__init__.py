"""The Streamlit dashboard: app.py (entry, sign-in, navigation by role), views/ (one file a page),
(the message catalogs are in ../locales/, loaded by ../i18n.py).

The page files live in ``views/``, not ``pages/``: Streamlit serves a ``pages/`` folder beside
the entry script by file name on its own ("multipage v1"), which would run a page without
app.py — without the sign-in and the role's navigation. tests/dashboard/test_browser.py checks
that a page's name in the URL does not open it.
"""
