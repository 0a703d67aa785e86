"""traceboard's Streamlit entry point: page set-up, sign-in, language switch, role-based navigation.

Run with ``streamlit run src/traceboard/dashboard/app.py`` (``make run`` does).
Not signed in, a visitor sees the sign-in page and the public look-up only;
a signed-in user sees the pages of their role (``navigation.PAGES``). Hiding a
page is convenience: the domain functions check the role themselves.
"""

from __future__ import annotations

import pyarrow as pa
import streamlit as st

# Streamlit loads its emoji catalogue (and compiles its pattern) at the first alert whose text is
# not ASCII: a few tenths of a second. Loaded with the app, once per process, no page view waits.
import streamlit.emojis

from traceboard.accounts.authz import Actor
from traceboard.dashboard import auth
from traceboard.dashboard.i18n import LANGUAGES
from traceboard.dashboard.navigation import PUBLIC, page_specs
from traceboard.dashboard.page_icon import page_icon
from traceboard.dashboard.state import get_engine, language, t
from traceboard.dashboard.streamlit_text import style_sheet
from traceboard.data.db import DatabaseUnavailable
from traceboard.memory import tune_malloc


def _title(file: str) -> str:
    try:
        return t(f"nav.{file}")
    except KeyError:  # a page whose title is not in the catalog yet
        return file.replace("_", " ")


def build_pages(actor: Actor | None) -> dict[str, list[st.Page]]:
    """The navigation of this session's role, section by section (titles from the catalog)."""
    role = PUBLIC if actor is None else actor.role
    sections: dict[str, list[st.Page]] = {}
    for spec in page_specs():
        if role in spec.roles:
            default = not sections  # the first page the role sees opens first
            page = st.Page(
                f"views/{spec.file}.py",
                title=_title(spec.file),
                icon=spec.icon,
                url_path=spec.url,
                default=default,
            )
            sections.setdefault(t(f"nav.section_{spec.section}"), []).append(page)
    return sections


def main() -> None:
    release_arrow_pool()  # what runs before this one, ended since in threads of their own, kept
    st.set_page_config(page_title=t("app.title"), page_icon=page_icon(), layout="wide")
    if css := style_sheet(language()):  # Streamlit's own widget texts in Chinese (docs/interface.md)
        st.html(f"<style>{css}</style>")
    try:
        get_engine()
    except DatabaseUnavailable as exc:  # one clear line, not a traceback
        st.error(t("app.database_unavailable", reason=str(exc)))
        st.stop()
    actor = auth.check_session()
    with st.sidebar:
        if actor is not None:
            auth.render_user_box(actor)
        st.selectbox(
            t("app.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            key="lang",
            index=list(LANGUAGES).index(language()),
        )
        st.caption(t("app.subtitle"))
    try:
        st.navigation(build_pages(actor)).run()
    finally:
        release_arrow_pool()


def release_arrow_pool() -> None:
    """Hand back what Arrow's allocator (mimalloc) keeps of memory freed: this thread's, and that
    of the threads which ran earlier runs and have ended.

    Streamlit runs each rerun's script in a thread of its own, and mimalloc keeps the pages a
    thread freed for that thread to reuse: at a million enterprises a page view left 60–95 MB
    resident that the next view, in another thread, did not reuse (docs/frame.md, *Measuring*).
    With nothing to give back the call takes about a microsecond."""
    pa.default_memory_pool().release_unused()


tune_malloc()  # once per process: the first run, before the sessions' threads allocate
main()
