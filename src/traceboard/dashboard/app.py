"""traceboard's Streamlit entry point: page set-up, language switch, navigation.

Run with ``streamlit run src/traceboard/dashboard/app.py`` (``make run`` does).
"""

from __future__ import annotations

import streamlit as st

from traceboard.dashboard.i18n import LANGUAGES
from traceboard.dashboard.state import language, t


def build_pages() -> dict[str, list[st.Page]]:
    """The navigation, section by section (titles from the catalog)."""
    page = lambda file, key, icon, default=False: st.Page(  # noqa: E731
        f"pages/{file}.py", title=t(f"nav.{key}"), icon=icon, url_path=key, default=default
    )
    return {
        t("nav.section_supervision"): [
            page("overview", "overview", ":material/dashboard:", default=True),
            page("adoption", "adoption", ":material/trending_up:"),
            page("sampling", "sampling", ":material/shuffle:"),
            page("blacklist", "blacklist", ":material/campaign:"),
            page("assessment", "assessment", ":material/military_tech:"),
            page("data_admin", "data_admin", ":material/database:"),
        ],
        t("nav.section_public"): [page("public_lookup", "public_lookup", ":material/search:")],
    }


def main() -> None:
    st.set_page_config(page_title=t("app.title"), page_icon=":material/qr_code_2:", layout="wide")
    with st.sidebar:
        st.selectbox(
            t("app.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            key="lang",
            index=list(LANGUAGES).index(language()),
        )
        st.caption(t("app.subtitle"))
    st.navigation(build_pages()).run()


main()
