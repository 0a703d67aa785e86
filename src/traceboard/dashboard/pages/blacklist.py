"""黑名单与消费提示: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("blacklist.title"))
st.info(t("common.coming", what=t("blacklist.coming")))
