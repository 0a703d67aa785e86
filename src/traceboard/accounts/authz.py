"""Who may change what: roles, permissions and the acting user.

Every function that changes the record takes an :class:`Actor` and calls
:func:`require` itself; the dashboard hides what a role cannot do, but the
check here is the protection (README.md, "Accounts, roles and the audit trail").

Roles: ``leader`` (leading group: reads everything, approves and locks the
annual assessment), ``office`` (the group's office: manages data, runs the
assessment, decides blacklist moves), ``inspector`` (own department only:
sampling plans, draws, results), ``publicity`` (alerts and the public site),
``admin`` (accounts). ``system`` is the software itself (init, demo).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceboard.data.models import User
from traceboard.i18n import Message

# permission → roles that hold it. Department-scoped permissions (marked in
# DEPARTMENT_SCOPED) hold for an inspector only within the inspector's own department.
PERMISSIONS: dict[str, frozenset[str]] = {
    "register.manage": frozenset({"office"}),  # imports, corrections, legacy-code allow-list
    "register.export": frozenset({"office", "leader", "admin"}),
    "personal.read": frozenset({"office", "admin"}),  # inspectors' home townships, conflicts
    "sampling.plan": frozenset({"office", "inspector"}),
    "sampling.draw": frozenset({"office", "inspector"}),
    "sampling.risk_model": frozenset({"office"}),
    "inspection.record": frozenset({"office", "inspector"}),
    "inspection.publish": frozenset({"office", "inspector"}),
    "blacklist.propose": frozenset({"office", "inspector"}),
    "blacklist.decide": frozenset({"office"}),
    "blacklist.publish": frozenset({"office", "publicity"}),  # publish a decided listing
    "alert.draft": frozenset({"publicity", "office"}),
    "alert.approve": frozenset({"publicity", "office"}),
    "alert.publish": frozenset({"publicity"}),
    "site.publish": frozenset({"publicity"}),
    "assessment.run": frozenset({"office"}),
    "assessment.lock": frozenset({"leader"}),
    "audit.read": frozenset({"office", "leader", "admin"}),  # also: write a checkpoint of the log
    "audit.rotate_key": frozenset({"admin"}),  # hand the checkpoints' signing key over to a new one
    "record.backup": frozenset({"admin"}),  # a backup holds everything, password hashes included
    "users.manage": frozenset({"admin"}),
}
DEPARTMENT_SCOPED = frozenset(
    {"sampling.plan", "sampling.draw", "inspection.record", "inspection.publish", "blacklist.propose"}
)
ROLE_NAMES = {
    "leader": "领导小组",
    "office": "领导小组办公室",
    "inspector": "执法检查人员",
    "publicity": "宣传工作人员",
    "admin": "系统管理员",
    "system": "系统",
}


class PermissionDenied(PermissionError):
    """The acting user's role does not allow the act (message names user, role and act)."""


class UnknownActor(LookupError):
    """No active user of that name."""


@dataclass(frozen=True)
class Actor:
    """The user on whose behalf a change is made."""

    username: str
    role: str
    department_id: int | None = None

    def can(self, permission: str, department_id: int | None = None) -> bool:
        if self.role == "system":
            return True
        if self.role not in PERMISSIONS[permission]:
            return False
        if self.role == "inspector" and permission in DEPARTMENT_SCOPED and department_id is not None:
            return self.department_id == department_id
        return True


SYSTEM = Actor("system", "system")


def require(actor: Actor | None, permission: str, department_id: int | None = None) -> Actor:
    """Return ``actor`` if it may do ``permission`` (within ``department_id``); else PermissionDenied."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if actor is None:
        raise PermissionDenied(Message("refusals.sign_in_first", act=act_name(permission)))
    if not actor.can(permission, department_id):
        allowed = tuple(role_name(r) for r in sorted(PERMISSIONS[permission]))
        own_department = actor.role == "inspector" and permission in DEPARTMENT_SCOPED and department_id
        raise PermissionDenied(
            Message(
                "refusals.other_department" if own_department else "refusals.not_allowed",
                user=actor.username,
                role=role_name(actor.role),
                act=act_name(permission),
                allowed=allowed,
            )
        )
    return actor


def act_name(permission: str) -> Message:
    """What a permission allows, in words (``sampling.plan`` → 制定抽查计划)."""
    return Message(f"refusals.permission.{permission.replace('.', '_')}")


def role_name(role: str) -> Message:
    """A role's name (领导小组办公室 …) in messages."""
    return Message(f"refusals.role.{role}")


def load_actor(session: Session, username: str) -> Actor:
    """The active user ``username`` as an Actor; raise UnknownActor otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        state = "disabled" if user is not None else "unknown"
        raise UnknownActor(Message(f"refusals.{state}_user", user=username))
    return Actor(user.username, user.role, user.department_id)
