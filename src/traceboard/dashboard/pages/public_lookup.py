"""公众查询: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("public_lookup.title"))
st.info(t("common.coming", what=t("public_lookup.coming")))
