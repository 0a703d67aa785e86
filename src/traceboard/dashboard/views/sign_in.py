"""登录: username and password (5 failures lock the account for 15 minutes); SSO when configured."""

import streamlit as st

from traceboard.dashboard import auth
from traceboard.dashboard.state import t

st.title(t("auth.title"))
notice = auth.pop_notice()
if notice:
    st.warning(notice)

with st.form("sign_in", clear_on_submit=True, width=420):
    st.text_input(t("auth.username"), key="sign_in_username", autocomplete="username")
    st.text_input(
        t("auth.password"), type="password", key="sign_in_password", autocomplete="current-password"
    )
    # Checked in the callback, before the app runs again: a signed-in run then builds the role's navigation.
    st.form_submit_button(t("auth.submit"), type="primary", on_click=auth.submit_form)

if auth.sso_settings() is not None:
    st.divider()
    if st.button(t("auth.sso"), icon=":material/key:"):
        st.login(auth.sso_settings().get("provider"))
st.caption(t("auth.hint"))
