"""Accounts: argon2 password hashes, generated passwords, sign-in with lockout.

Rules (issue "Accounts, roles and a tamper-evident audit trail"):
- passwords are stored only as argon2id hashes (argon2-cffi); neither a
  password nor its hash ever goes into the audit log or a log line;
- without a given password a strong one is generated (``secrets``) and shown once;
- ``MAX_FAILURES`` (5) failed sign-ins in a row lock the account for
  ``LOCKOUT`` (15 minutes); a successful sign-in resets the count;
- accounts are never deleted, only disabled (the audit log names them).
Every change takes the acting :class:`~traceboard.accounts.authz.Actor` and checks
``users.manage`` itself (a user may change their own password).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass
from functools import cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from traceboard.accounts.authz import SYSTEM, Actor, require
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.models import ROLES, Unit, User

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
GENERATED_LENGTH = 16
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")  # e-mail addresses too (single sign-on)
# Names the software writes for its own acts or shows for nobody in particular: no account may take them.
RESERVED_USERNAMES = frozenset({"system", "public", "anonymous"})
DEMO_PASSWORD = "xiangxiang-demo-2017"  # documented in the README; demo databases only
DEMO_ACCOUNTS = (
    ("demo-leader", "leader", None, "演示·领导小组"),
    ("demo-office", "office", None, "演示·领导小组办公室"),
    ("demo-inspector", "inspector", "market-regulation", "演示·执法检查人员"),
    ("demo-publicity", "publicity", None, "演示·宣传工作人员"),
    ("demo-admin", "admin", None, "演示·系统管理员"),
)
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so that the answer takes as long as for a known one.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done (one-line message for the user).

    ``code`` names the case (the dashboard words it per language); ``value`` is
    the offending name, if any.
    """

    def __init__(self, message: str, code: str, value: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.value = value


class SignInFailed(PermissionError):
    """Wrong username or password, a locked or a disabled account (message safe to show).

    ``reason`` is ``credentials``, ``locked`` or ``disabled`` (the dashboard words it per language).
    """

    def __init__(self, message: str, reason: str = "credentials", until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class NewPassword:
    """A password set by an act: ``generated`` ones are shown to the operator once."""

    username: str
    password: str
    generated: bool


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of ``password``."""
    return _HASHER.hash(password)


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password of ``length`` characters with lower, upper case letters and digits."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#%"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in candidate) for group in _CLASSES):
            return candidate


_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def check_password_policy(password: str, username: str) -> None:
    """Raise AccountError unless ``password`` has ≥ 10 characters, 2 kinds of characters, ≠ username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", "password_short")
    kinds = sum(any(c in group for c in password) for group in (*_CLASSES, string.punctuation))
    if kinds < 2 or username.lower() in password.lower():
        raise AccountError(
            "a password needs two kinds of characters and must not contain the username", "password_weak"
        )


def _user(session: Session, username: str, *, lock: bool = False) -> User:
    query = select(User).where(User.username == username)
    user = session.scalar(query.with_for_update() if lock else query)
    if user is None:
        raise AccountError(f"no user {username!r}", "no_user", username)
    return user


def department_id_of(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    unit = session.scalar(select(Unit).where(Unit.code == code, Unit.kind == "department"))
    if unit is None:
        raise AccountError(f"unknown department code {code!r}", "department_unknown", code)
    return unit.id


def describe_user(user: User) -> dict:
    """The audited view of an account: never the password or its hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "department_id": user.department_id,
        "active": user.active,
    }


def check_username(username: str) -> None:
    """Raise AccountError unless ``username`` is from the safe alphabet and not a reserved name."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError("a username is 2–64 lower-case letters, digits, '.', '_', '@' or '-'", "username")
    if username in RESERVED_USERNAMES:
        raise AccountError(f"{username!r} is reserved for the software's own use", "reserved", username)


def add_user(
    session: Session,
    actor: Actor,
    username: str,
    role: str,
    *,
    department: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
) -> NewPassword:
    """Create an active account; return its password (generated when none is given).

    ``role`` is one of models.ROLES; ``department`` a department unit code,
    required for inspectors (they act in their own department only). Audited
    as ``user.add`` without the password.
    """
    require(actor, "users.manage")
    check_username(username)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose from {', '.join(ROLES)}", "role", role)
    if role == "inspector" and department is None:
        raise AccountError(
            "an inspector account needs --department (the inspector's own department)", "department_required"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} exists already", "exists", username)
    secret = _chosen_or_generated(password, username)
    user = User(
        username=username,
        role=role,
        department_id=department_id_of(session, department),
        display_name=display_name,
        password_hash=hash_password(secret.password),
        active=True,
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        actor=actor.username,
        action="user.add",
        entity="app_user",
        entity_id=username,
        after=describe_user(user),
    )
    return secret


def _chosen_or_generated(password: str | None, username: str) -> NewPassword:
    if password is None:
        return NewPassword(username, generate_password(), generated=True)
    check_password_policy(password, username)
    return NewPassword(username, password, generated=False)


def set_password(session: Session, actor: Actor, username: str, password: str | None = None) -> NewPassword:
    """Set a new password (generated when none is given) and lift a lockout.

    An admin may set anyone's; every user may set their own. Audited as
    ``user.passwd`` (the fact, never the password).
    """
    if actor.username != username:
        require(actor, "users.manage")
    user = _user(session, username, lock=True)
    secret = _chosen_or_generated(password, username)
    user.password_hash = hash_password(secret.password)
    user.failed_attempts = 0
    user.locked_until = None
    record_audit(
        session,
        actor=actor.username,
        action="user.passwd",
        entity="app_user",
        entity_id=username,
        after={"password_changed": True},
    )
    return secret


def disable_user(session: Session, actor: Actor, username: str) -> None:
    """Disable an account (it can no longer sign in or act); the last active admin stays."""
    require(actor, "users.manage")
    user = _user(session, username, lock=True)
    if not user.active:
        raise AccountError(f"user {username!r} is disabled already", "disabled_already", username)
    if user.role == "admin" and _active_admins(session) <= 1:
        raise AccountError(
            f"{username!r} is the last active admin; add another admin first", "last_admin", username
        )
    before = describe_user(user)
    user.active = False
    record_audit(
        session,
        actor=actor.username,
        action="user.disable",
        entity="app_user",
        entity_id=username,
        before=before,
        after=describe_user(user),
    )


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(User.role == "admin", User.active.is_(True))) or 0


def list_users(session: Session) -> pd.DataFrame:
    """Every account: username, display_name, role, department (code), active, locked_until, last_login_at."""
    rows = session.execute(
        select(
            User.username,
            User.display_name,
            User.role,
            Unit.code,
            User.active,
            User.locked_until,
            User.last_login_at,
        )
        .outerjoin(Unit, Unit.id == User.department_id)
        .order_by(User.username)
    ).all()
    columns = ["username", "display_name", "role", "department", "active", "locked_until", "last_login_at"]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.where(frame.notna(), None)


def ensure_admin(session: Session) -> NewPassword | None:
    """On an empty accounts table create ``admin`` with a generated password; otherwise do nothing."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    return add_user(session, SYSTEM, "admin", "admin", display_name="系统管理员")


@cache
def _demo_hash() -> str:
    # One hash per process: the demo generator runs in many tests, argon2 is slow on purpose.
    return hash_password(DEMO_PASSWORD)


def add_demo_accounts(session: Session) -> int:
    """The demo city's accounts, one per role, all with DEMO_PASSWORD; return how many were added."""
    added = 0
    for username, role, department, name in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        session.add(
            User(
                username=username,
                role=role,
                display_name=name,
                password_hash=_demo_hash(),
                department_id=department_id_of(session, department),
                active=True,
            )
        )
        added += 1
    session.flush()
    return added


def _as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """Check a sign-in; return the Actor or raise SignInFailed.

    Counts failures on the account and locks it for 15 minutes at the 5th in a
    row (audited as ``user.lock``); a locked account refuses even the right
    password until the lock ends. Unknown users and wrong passwords get the same message.
    """
    now = now or dt.datetime.now(dt.UTC)
    user = session.scalar(select(User).where(User.username == username.strip()).with_for_update())
    if user is None or user.password_hash is None:
        _verify(_DUMMY_HASH, password)
        raise SignInFailed("wrong username or password")
    locked_until = _as_utc(user.locked_until)
    if locked_until is not None and locked_until > now:
        raise SignInFailed(
            f"account locked until {locked_until:%H:%M} UTC after {MAX_FAILURES} failed attempts",
            "locked",
            locked_until,
        )
    if not _verify(user.password_hash, password):
        _count_failure(session, user, now)
        raise SignInFailed("wrong username or password")
    if not user.active:
        raise SignInFailed("this account is disabled", "disabled")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_attempts, user.locked_until, user.last_login_at = 0, None, now
    return Actor(user.username, user.role, user.department_id)


def sign_in(engine: Engine, username: str, password: str, now: dt.datetime | None = None) -> Actor:
    """:func:`authenticate` in its own transaction, which keeps a failure's count even as it raises."""
    with transaction(engine) as session:
        try:
            return authenticate(session, username, password, now)
        except SignInFailed as exc:
            failure = exc
    raise failure


def is_active(engine: Engine, username: str) -> bool:
    """Whether ``username`` is an active account (a signed-in session ends when it is disabled)."""
    with engine.connect() as conn:
        return bool(conn.scalar(select(User.active).where(User.username == username)))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _count_failure(session: Session, user: User, now: dt.datetime) -> None:
    if user.locked_until is not None:  # an earlier lock has run out: start counting afresh
        user.failed_attempts, user.locked_until = 0, None
    user.failed_attempts += 1
    if user.failed_attempts >= MAX_FAILURES:
        user.locked_until = now + LOCKOUT
        user.failed_attempts = 0
        record_audit(
            session,
            actor="system",
            action="user.lock",
            entity="app_user",
            entity_id=user.username,
            after={"locked_until": user.locked_until, "failed_attempts": MAX_FAILURES},
        )
