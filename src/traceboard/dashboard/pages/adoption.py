"""追溯覆盖率: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("adoption.title"))
st.info(t("common.coming", what=t("adoption.coming")))
