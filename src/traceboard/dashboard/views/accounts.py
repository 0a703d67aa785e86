"""账号管理 (admins): the accounts, adding one, a new password, disabling."""

import streamlit as st

from traceboard.dashboard import numbers, widgets
from traceboard.dashboard.auth import require_page, role_label
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import get_engine, t
from traceboard.data.models import ROLES
from traceboard.data.text_rules import TextRejected
from traceboard.services.accounts import (
    AccountError,
    create_user,
    deactivate_user,
    load_users,
    reset_password,
)

st.title(t("accounts.title"))
actor = require_page("users.manage")
engine = get_engine()
shown_once = st.session_state.pop("accounts_new_password", None)
if shown_once:
    # The password is generated from a safe alphabet and shown in a code span, where escapes would show.
    st.success(t("accounts.password_once", user=plain(shown_once[0]), password=shown_once[1]))

users = load_users(engine, actor)
table = users.assign(role=users["role"].map(role_label))
st.dataframe(
    table.rename(columns={c: t(f"accounts.col_{c}") for c in table.columns}),
    hide_index=True,
    placeholder=numbers.NONE,  # nothing (never signed in) is "—", not "None"
)


def _act(fn, *args, **kwargs) -> None:
    try:
        result = fn(engine, actor, *args, **kwargs)
    except AccountError as exc:
        st.session_state["accounts_error"] = t(f"accounts.error_{exc.code}", value=plain(exc.value or ""))
        return
    except TextRejected as exc:
        st.session_state["accounts_error"] = t("accounts.error_text", value=plain(exc))
        return
    if result is not None:
        st.session_state["accounts_new_password"] = (result.username, result.password)


if error := st.session_state.pop("accounts_error", None):
    st.error(error)

add, change = st.columns(2)
with add.form("accounts_add", clear_on_submit=True):
    st.subheader(t("accounts.add"))
    username = st.text_input(t("accounts.username"), key="accounts_username")
    role = st.selectbox(
        t("accounts.role"), ROLES, format_func=widgets.worded(ROLES, role_label), key="accounts_role"
    )
    department = st.text_input(t("accounts.department"), key="accounts_department")
    name = st.text_input(t("accounts.display_name"), key="accounts_display_name")
    if st.form_submit_button(t("accounts.add_submit")):
        _act(
            create_user,
            username.strip(),
            role,
            department=department.strip() or None,
            display_name=name.strip() or None,
        )
        st.rerun()

with change.container(border=True):
    st.subheader(t("accounts.change"))
    target = st.selectbox(t("accounts.username"), users["username"].tolist(), key="accounts_target")
    left, right = st.columns(2)
    if left.button(t("accounts.reset"), key="accounts_reset", disabled=target is None):
        _act(reset_password, target)
        st.rerun()
    if right.button(t("accounts.disable"), key="accounts_disable", disabled=target is None):
        _act(deactivate_user, target)
        st.rerun()
