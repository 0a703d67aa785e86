import pytest

from traceboard.accounts.authz import (
    PERMISSIONS,
    SYSTEM,
    Actor,
    PermissionDenied,
    UnknownActor,
    load_actor,
    require,
)
from traceboard.data.db import transaction
from traceboard.data.models import User


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("leader", "assessment.lock", True),
        ("office", "assessment.lock", False),
        ("office", "assessment.run", True),
        ("inspector", "assessment.run", False),
        ("publicity", "alert.publish", True),
        ("inspector", "alert.publish", False),
        ("admin", "users.manage", True),
        ("leader", "users.manage", False),
        ("inspector", "personal.read", False),
    ],
)
def test_roles(role, permission, allowed):
    assert Actor("u", role).can(permission) is allowed


def test_inspectors_act_only_in_their_own_department():
    inspector = Actor("li", "inspector", department_id=4)
    assert require(inspector, "sampling.draw", department_id=4) is inspector
    with pytest.raises(PermissionDenied, match=r"li \(inspector\) may not sampling\.draw outside"):
        require(inspector, "sampling.draw", department_id=5)


def test_no_actor_and_unknown_permission_are_refused():
    with pytest.raises(PermissionDenied, match="sign in first"):
        require(None, "register.manage")
    with pytest.raises(KeyError):
        require(SYSTEM, "no.such.thing")
    assert all(SYSTEM.can(p) for p in PERMISSIONS)


def test_load_actor_requires_an_active_account(engine):
    with transaction(engine) as session:
        session.add_all(
            [User(username="wang", role="office"), User(username="old", role="office", active=False)]
        )
    with transaction(engine) as session:
        assert load_actor(session, "wang") == Actor("wang", "office", None)
        with pytest.raises(UnknownActor, match="disabled user 'old'"):
            load_actor(session, "old")
        with pytest.raises(UnknownActor, match="unknown user 'nobody'"):
            load_actor(session, "nobody")
