import datetime as dt
import json
import logging
import string
import threading

import pytest
from sqlalchemy import func, select

from traceboard.accounts import accounts
from traceboard.accounts.accounts import (
    DEMO_PASSWORD,
    AccountError,
    SignInFailed,
    add_user,
    disable_user,
    ensure_admin,
    generate_password,
    list_users,
    set_password,
    sign_in,
)
from traceboard.accounts.authz import SYSTEM, Actor, PermissionDenied
from traceboard.data.audit import verify_chain
from traceboard.data.db import make_engine, transaction
from traceboard.data.models import AuditLog, Unit, User

ADMIN = Actor("root", "admin")
T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def _add(engine, username="wang", role="office", password="Correct-horse-9", **kw):
    with transaction(engine) as session:
        return add_user(session, ADMIN, username, role, password=password, **kw)


def _audit_text(engine) -> str:
    with transaction(engine) as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        return json.dumps([[r.action, r.entity_id, r.before, r.after] for r in rows], ensure_ascii=False)


def test_generated_passwords_are_long_mixed_and_different():
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for p in passwords:
        assert len(p) == 16
        assert any(c in string.ascii_lowercase for c in p) and any(c in string.ascii_uppercase for c in p)
        assert any(c in string.digits for c in p)


def test_hashes_are_argon2id_and_salted():
    a, b = accounts.hash_password("same-Password-1"), accounts.hash_password("same-Password-1")
    assert a.startswith("$argon2id$") and b.startswith("$argon2id$") and a != b


@pytest.mark.parametrize(
    ("password", "message"),
    [("Short-1", "at least 10"), ("alllowercaseletters", "two kinds"), ("wang-Password-1", "username")],
)
def test_password_policy(password, message):
    with pytest.raises(AccountError, match=message):
        accounts.check_password_policy(password, "wang")


@pytest.mark.parametrize(
    ("username", "message"),
    [("system", "reserved"), ("public", "reserved"), ("王芳", "lower-case"), ("a\x1b[31m", "lower-case")],
)
def test_usernames_come_from_a_safe_alphabet_and_reserved_names_are_refused(username, message):
    with pytest.raises(AccountError, match=message):
        accounts.check_username(username)


def test_add_user_stores_only_a_hash_and_audits_without_it(engine, caplog):
    caplog.set_level(logging.DEBUG)
    secret = _add(engine, "li", "inspector", password=None, department="market-regulation")
    assert secret.generated and len(secret.password) == 16
    with transaction(engine) as session:
        user = session.scalar(select(User).where(User.username == "li"))
        unit = session.scalar(select(Unit).where(Unit.code == "market-regulation"))
        assert user.department_id == unit.id and user.active and user.role == "inspector"
        assert secret.password not in user.password_hash
    assert sign_in(engine, "li", secret.password) == Actor("li", "inspector", unit.id)
    text = _audit_text(engine)
    assert '"user.add"' in text and secret.password not in text and user.password_hash not in text
    assert secret.password not in caplog.text and user.password_hash not in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "Bad Name"}, "lower-case"),
        ({"role": "king"}, "unknown role"),
        ({"role": "inspector"}, "needs --department"),
        ({"role": "inspector", "department": "nowhere"}, "unknown department"),
        ({"username": "dup"}, "exists already"),
    ],
)
def test_add_user_refusals(engine, kwargs, message):
    _add(engine, "dup")
    with pytest.raises(AccountError, match=message):
        _add(engine, **{"username": "x1", "role": "office", **kwargs})


@pytest.mark.parametrize("role", ["leader", "office", "inspector", "publicity"])
def test_only_admins_manage_accounts_even_when_called_directly(engine, role):
    _add(engine, "wang")
    actor = Actor("someone", role, 1)
    with transaction(engine) as session, pytest.raises(PermissionDenied, match=r"users\.manage"):
        add_user(session, actor, "new1", "office")
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        disable_user(session, actor, "wang")
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        set_password(session, actor, "wang", "Another-pass-2")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(User)) == 1


def test_users_may_change_their_own_password(engine):
    _add(engine, "wang")
    with transaction(engine) as session:
        set_password(session, Actor("wang", "office"), "wang", "Brand-new-pass-7")
    assert sign_in(engine, "wang", "Brand-new-pass-7").username == "wang"
    with pytest.raises(SignInFailed):
        sign_in(engine, "wang", "Correct-horse-9")
    assert "Brand-new-pass-7" not in _audit_text(engine)


def test_lockout_after_five_failures_for_fifteen_minutes(engine):
    _add(engine, "wang")
    for attempt in range(4):
        with pytest.raises(SignInFailed, match="wrong username or password"):
            sign_in(engine, "wang", f"guess-{attempt}", now=T0)
    assert sign_in(engine, "wang", "Correct-horse-9", now=T0).username == "wang"  # resets the count
    for attempt in range(5):
        with pytest.raises(SignInFailed, match="wrong username or password"):
            sign_in(engine, "wang", f"guess-{attempt}", now=T0 + dt.timedelta(seconds=attempt))
    # Locked: even the right password is refused, until 15 minutes after the 5th failure.
    with pytest.raises(SignInFailed, match="locked until 08:15 UTC"):
        sign_in(engine, "wang", "Correct-horse-9", now=T0 + dt.timedelta(minutes=15, seconds=3))
    assert sign_in(engine, "wang", "Correct-horse-9", now=T0 + dt.timedelta(minutes=15, seconds=4))
    with transaction(engine) as session:
        locks = session.scalars(select(AuditLog).where(AuditLog.action == "user.lock")).all()
        user = session.scalar(select(User).where(User.username == "wang"))
        assert [(r.entity_id, r.after["locked_until"]) for r in locks] == [
            ("wang", "2026-11-02T08:15:04+00:00")
        ]
        assert user.failed_attempts == 0 and user.locked_until is None
    assert "guess-" not in _audit_text(engine)


def test_unknown_and_disabled_users_cannot_sign_in(engine):
    _add(engine, "wang")
    _add(engine, "root", "admin")
    with pytest.raises(SignInFailed, match="wrong username or password"):
        sign_in(engine, "nobody", "Correct-horse-9")
    with transaction(engine) as session:
        disable_user(session, ADMIN, "wang")
    with pytest.raises(SignInFailed, match="disabled"):
        sign_in(engine, "wang", "Correct-horse-9")
    with transaction(engine) as session, pytest.raises(AccountError, match="disabled already"):
        disable_user(session, ADMIN, "wang")
    with transaction(engine) as session, pytest.raises(AccountError, match="last active admin"):
        disable_user(session, ADMIN, "root")


def test_ensure_admin_only_on_an_empty_accounts_table(engine):
    with transaction(engine) as session:
        first = ensure_admin(session)
    with transaction(engine) as session:
        assert ensure_admin(session) is None
    assert first.username == "admin" and first.generated
    assert sign_in(engine, "admin", first.password) == Actor("admin", "admin", None)
    with transaction(engine) as session:
        users = list_users(session)
    assert users[["username", "role", "active"]].values.tolist() == [["admin", "admin", True]]


def test_demo_accounts_one_per_role(demo_engine):
    with transaction(demo_engine) as session:
        users = list_users(session)
    assert users[["username", "role", "department"]].values.tolist() == [
        ["demo-admin", "admin", None],
        ["demo-inspector", "inspector", "market-regulation"],
        ["demo-leader", "leader", None],
        ["demo-office", "office", None],
        ["demo-publicity", "publicity", None],
    ]
    assert sign_in(demo_engine, "demo-publicity", DEMO_PASSWORD).role == "publicity"


def test_two_writers_at_once_lose_nothing(db_url):
    """Two connections add accounts and record failed sign-ins at the same time."""
    _add(make_engine(db_url), "target")
    errors = []

    def work(prefix: str) -> None:
        engine = make_engine(db_url)
        try:
            for i in range(6):
                with transaction(engine) as session:
                    add_user(session, SYSTEM, f"{prefix}{i}", "office", password="Shared-pass-123")
                with pytest.raises(SignInFailed):
                    sign_in(engine, "target", "wrong-guess")
        except Exception as exc:  # surfaced below: a thread's exception does not fail the test
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=work, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = make_engine(db_url)
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 13
        assert session.scalar(select(func.count()).where(AuditLog.action == "user.add")) == 13
        # 12 failures in a row: locked once, at the 5th; the 7 later attempts meet the lock
        assert session.scalar(select(func.count()).where(AuditLog.action == "user.lock")) == 1
        assert verify_chain(session) is None
    engine.dispose()
