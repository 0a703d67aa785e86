"""Sign-in, sign-out, idle expiry and the navigation of each role (AppTest)."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import APP
from traceboard.accounts.accounts import DEMO_PASSWORD, add_user, disable_user, sign_in
from traceboard.accounts.authz import SYSTEM, Actor, PermissionDenied
from traceboard.accounts.personal import load_conflicts
from traceboard.dashboard.navigation import PAGES_DIR, page_specs, visible_pages
from traceboard.data.assessment_store import lock_run
from traceboard.data.audit_query import AuditFilter, load_audit
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog

SEES = {
    "public": ["sign_in", "public_lookup"],
    "leader": [
        "overview",
        "adoption",
        "sampling",
        "blacklist",
        "assessment",
        "data_admin",
        "audit",
        "public_lookup",
    ],
    "office": [
        "overview",
        "adoption",
        "sampling",
        "blacklist",
        "assessment",
        "data_admin",
        "audit",
        "public_lookup",
    ],
    "inspector": ["overview", "adoption", "sampling", "blacklist", "public_lookup"],
    "publicity": ["overview", "blacklist", "public_lookup"],
    "admin": ["overview", "data_admin", "audit", "accounts", "public_lookup"],
}
# One act per role that its role does not allow, called straight on the domain (no UI in between).
FORBIDDEN = {
    "leader": lambda engine, actor: _add(engine, actor),
    "office": lambda engine, actor: lock_run(engine, actor, 1),
    "inspector": lambda engine, actor: load_conflicts(engine, actor),
    "publicity": lambda engine, actor: load_audit(engine, actor, AuditFilter()),
    "admin": lambda engine, actor: lock_run(engine, actor, 1),
}


def _add(engine, actor):
    with transaction(engine) as session:
        add_user(session, actor, "intruder", "admin", password="Correct-horse-9")


def _app(actor: Actor | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if actor is not None:
        at.session_state["actor"] = actor
    return at.run()


def _registered(at: AppTest) -> list[str]:
    return [Path(info["script_path"]).stem for info in at._registered_pages.values()]


def test_every_page_file_is_in_the_navigation():
    files = sorted(p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(spec.file for spec in page_specs()) == files


@pytest.mark.parametrize("role", list(SEES))
def test_the_pages_each_role_sees(role):
    known = {page for pages in SEES.values() for page in pages}
    assert [page for page in visible_pages(role) if page in known] == SEES[role]


@pytest.mark.parametrize("role", ["leader", "office", "inspector", "publicity", "admin"])
def test_each_role_sees_its_pages_and_is_refused_the_rest(demo_engine, role):
    actor = Actor(f"demo-{role}", role, 3 if role == "inspector" else None)
    at = _app(actor)
    assert not at.exception, at.exception
    assert _registered(at) == visible_pages(role)
    assert at.sidebar.markdown[0].value.startswith(f"**demo-{role}** · ")
    assert at.sidebar.button(key="sign_out")
    for page in set(visible_pages("office")) - set(visible_pages(role)):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{page}.py")
    with pytest.raises(PermissionDenied):
        FORBIDDEN[role](demo_engine, actor)


def test_visitors_see_the_sign_in_page_and_the_public_look_up_only(db_url):
    at = _app()
    assert not at.exception
    assert _registered(at) == ["sign_in", "public_lookup"]
    assert at.title[0].value == "登录"
    assert not [b for b in at.button if b.label == "使用统一身份认证登录"]  # SSO off without secrets


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def test_sign_in_through_the_form_then_sign_out(demo_engine):
    at = _sign_in(_app(), "demo-inspector", DEMO_PASSWORD)
    assert not at.exception, at.exception
    actor = at.session_state["actor"]
    assert (actor.username, actor.role) == ("demo-inspector", "inspector") and actor.department_id
    assert _registered(at) == visible_pages("inspector")
    assert at.sidebar.markdown[0].value == "**demo-inspector** · 执法检查人员"
    at.sidebar.button(key="sign_out").click().run()
    assert "actor" not in at.session_state
    assert _registered(at) == ["sign_in", "public_lookup"]


def test_a_wrong_password_is_refused_with_a_message_and_counted(demo_engine):
    at = _sign_in(_app(), "demo-office", "not-the-password")
    assert "actor" not in at.session_state
    assert at.warning[0].value == "用户名或密码错误。"
    for _ in range(4):
        at = _sign_in(at, "demo-office", "not-the-password")
    at = _sign_in(at, "demo-office", DEMO_PASSWORD)
    assert "actor" not in at.session_state
    assert at.warning[0].value.startswith("密码连续错误 5 次，账号已锁定至 ")
    with transaction(demo_engine) as session:
        audited = str(session.execute(select(AuditLog.before, AuditLog.after)).all())
    assert "not-the-password" not in audited and DEMO_PASSWORD not in audited


def test_an_idle_session_expires(demo_engine):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = Actor("demo-office", "office")
    at.session_state["last_seen"] = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    at.run()
    assert "actor" not in at.session_state
    assert _registered(at) == ["sign_in", "public_lookup"]
    assert at.warning[0].value == "登录已过期或账号已停用，请重新登录。"


def test_a_session_ends_when_its_account_is_disabled(demo_engine):
    at = _sign_in(_app(), "demo-publicity", DEMO_PASSWORD)
    assert at.session_state["actor"].role == "publicity"
    with transaction(demo_engine) as session:
        disable_user(session, SYSTEM, "demo-publicity")
    at.run()
    assert "actor" not in at.session_state


def test_sso_button_appears_only_with_an_auth_section(demo_engine):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost/oauth2callback", "cookie_secret": "x"}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button if b.label == "使用统一身份认证登录"] == ["使用统一身份认证登录"]


def test_audit_page_filters_and_exports(demo_engine):
    with transaction(demo_engine) as session:
        add_user(session, Actor("demo-admin", "admin"), "wang", "office", password="Correct-horse-9")
    at = _app(Actor("demo-admin", "admin"))
    at.switch_page("views/audit.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "审计日志"
    at.selectbox(key="audit_action").select("user.add").run()
    table = at.dataframe[0].value
    assert table["操作"].tolist() == ["user.add"] and table["对象标识"].tolist() == ["wang"]
    assert "Correct-horse-9" not in table.to_string()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载 Excel", "下载 CSV", "下载检查点文件（audit-checkpoint.json）"]
    at.button(key="audit_verify").click().run()
    assert at.success[-1].value.startswith("校验通过：") and "没有记录被修改、删除、插入或在末尾截断" in (
        at.success[-1].value
    )


def test_admins_manage_accounts_on_their_page(demo_engine):
    at = _app(Actor("demo-admin", "admin"))
    at.switch_page("views/accounts.py").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["用户名"].tolist()[:2] == ["demo-admin", "demo-inspector"]
    at.text_input(key="accounts_username").input("wang")
    at.selectbox(key="accounts_role").select("office")
    at.text_input(key="accounts_display_name").input("王芳")
    at.button(key="FormSubmitter:accounts_add-新增（自动生成密码）").click().run()
    assert not at.exception, at.exception
    (shown,) = [s.value for s in at.success]
    password = shown.split("`")[1]
    assert shown.startswith("账号 wang 的新密码") and len(password) == 16
    assert sign_in(demo_engine, "wang", password).role == "office"
    at.run()
    assert not at.success  # shown once
    at.selectbox(key="accounts_target").select("wang")
    at.button(key="accounts_disable").click().run()
    table = at.dataframe[0].value.set_index("用户名")
    assert not table.loc["wang", "启用"] and table.loc["wang", "角色"] == "领导小组办公室"
    at.text_input(key="accounts_username").input("x")
    at.button(key="FormSubmitter:accounts_add-新增（自动生成密码）").click().run()
    assert at.error[0].value == "用户名为 2–64 个小写字母、数字或 . _ @ - 字符。"


def test_every_account_error_has_a_message_in_both_languages():
    import inspect
    import re

    from traceboard.accounts import accounts
    from traceboard.dashboard.i18n import load_catalog

    codes = set(re.findall(r'AccountError\(\s*f?"[^"]*",\s*"(\w+)"', inspect.getsource(accounts)))
    assert len(codes) == 11  # "reserved" joined the ten
    for lang in ("zh", "en"):
        assert {c for c in codes if f"accounts.error_{c}" in load_catalog(lang)} == codes
