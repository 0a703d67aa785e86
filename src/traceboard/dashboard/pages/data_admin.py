"""数据管理: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("data_admin.title"))
st.info(t("common.coming", what=t("data_admin.coming")))
