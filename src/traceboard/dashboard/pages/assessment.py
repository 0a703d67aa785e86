"""年度考核: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("assessment.title"))
st.info(t("common.coming", what=t("assessment.coming")))
