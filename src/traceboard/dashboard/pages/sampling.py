"""双随机抽查: placeholder until its issue lands."""

import streamlit as st

from traceboard.dashboard.state import t

st.title(t("sampling.title"))
st.info(t("common.coming", what=t("sampling.coming")))
