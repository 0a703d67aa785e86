"""The Streamlit dashboard: app.py (entry, sign-in, navigation by role), pages/, message catalogs."""

from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx


def _leave_multipage_v1() -> None:
    # Until the first st.navigation call of the process, Streamlit runs a file of the
    # `pages/` folder next to app.py on its own when its name is in the URL ("multipage
    # v1"), skipping app.py: its sign-in and its role's navigation. Every page imports
    # this package, so the first run that does ends that mode and starts again via app.py.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if get_script_run_ctx() is not None:
            import streamlit as st

            st.rerun()


_leave_multipage_v1()
