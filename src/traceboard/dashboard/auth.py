"""Sign-in for the dashboard: the session's user, idle expiry, sign-out, optional SSO.

The contract other pages rely on: a signed-in user is ``st.session_state["actor"]``
holding an :class:`~traceboard.accounts.authz.Actor` (``state.current_actor()``).
This module puts it there (password form or single sign-on), ends it after
``IDLE`` without activity or when the account is disabled, and removes it on
sign-out. Hiding pages is convenience; the domain functions check roles.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from traceboard.accounts import accounts, sso
from traceboard.accounts.authz import ROLE_NAMES, Actor
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import get_engine, t

IDLE = dt.timedelta(minutes=30)
_SIGNED_IN_KEYS = ("actor", "last_seen", "signed_in_via", "display_name")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sso_settings() -> dict | None:
    """``[traceboard_sso]`` of Streamlit secrets when an ``[auth]`` OIDC section exists, else None (off)."""
    try:
        if "auth" not in st.secrets:
            return None
        return dict(st.secrets.get("traceboard_sso", {}))
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return None


def _sso_logged_in() -> bool:
    try:
        return bool(st.user.get("is_logged_in", False))
    except (AttributeError, KeyError):
        return False


def start_session(actor: Actor, via: str, display_name: str | None = None) -> None:
    st.session_state["actor"] = actor
    st.session_state["last_seen"] = _now()
    st.session_state["signed_in_via"] = via
    st.session_state["display_name"] = display_name or actor.username


def sign_out(expired: bool = False) -> None:
    """End this session's sign-in (and the SSO cookie, if any)."""
    via = st.session_state.get("signed_in_via")
    for key in _SIGNED_IN_KEYS:
        st.session_state.pop(key, None)
    if expired:
        st.session_state["auth_notice"] = "expired"
    if via == "sso":
        st.logout()


def check_session() -> Actor | None:
    """Called first on every run: expire an idle or disabled session, pick up an SSO identity."""
    actor = st.session_state.get("actor")
    now = _now()
    if actor is not None:
        last_seen = st.session_state.get("last_seen")
        via = st.session_state.get("signed_in_via")
        idle = last_seen is not None and now - last_seen > IDLE
        if idle or (via == "password" and not accounts.is_active(get_engine(), actor.username)):
            sign_out(expired=True)
            return None
        st.session_state["last_seen"] = now
        return actor
    settings = sso_settings()
    if settings is not None and _sso_logged_in():
        claims = st.user.to_dict()
        actor = sso.actor_from_claims(get_engine(), claims, settings)
        if actor is None:
            st.session_state["auth_notice"] = "sso_no_role"
            st.logout()
            return None
        start_session(actor, "sso", claims.get("name"))
    return actor


def submit_password(username: str, password: str) -> bool:
    """Check the form's credentials; start the session or leave a notice. True when signed in."""
    try:
        actor = accounts.sign_in(get_engine(), username, password)
    except accounts.SignInFailed as exc:
        until = exc.until.astimezone().strftime("%H:%M") if exc.until else ""
        st.session_state["auth_notice"] = f"failed_{exc.reason}|{until}"
        return False
    start_session(actor, "password")
    return True


def submit_form() -> None:
    """The sign-in form's callback: reads the form's widgets by key; the password is not kept."""
    username = st.session_state.get("sign_in_username", "")
    password = st.session_state.pop("sign_in_password", "")
    submit_password(username, password)


def pop_notice() -> str | None:
    """The sign-in notice to show once (expired, failed…), already translated."""
    notice = st.session_state.pop("auth_notice", None)
    if notice is None:
        return None
    key, _, until = notice.partition("|")
    return t(f"auth.{key}", until=until) if until else t(f"auth.{key}")


def role_label(role: str) -> str:
    """The role's name in the session's language."""
    return t(f"auth.role_{role}") if role in ROLE_NAMES else role


def render_user_box(actor: Actor) -> None:
    """Sidebar: who is signed in, in which role, and the sign-out button."""
    name = st.session_state.get("display_name") or actor.username
    st.markdown(t("auth.signed_in_as", name=plain(name), role=role_label(actor.role)))
    st.button(t("auth.sign_out"), on_click=sign_out, key="sign_out", icon=":material/logout:")


def require_page(permission: str, department_id: int | None = None) -> Actor:
    """For pages: the actor if it may ``permission``; otherwise an error and the page stops."""
    actor = st.session_state.get("actor")
    if actor is None or not actor.can(permission, department_id):
        st.error(t("auth.forbidden"))
        st.stop()
    return actor
