import pytest

from traceboard.accounts.accounts import add_user, disable_user
from traceboard.accounts.authz import SYSTEM, Actor
from traceboard.accounts.sso import actor_from_claims
from traceboard.data.db import transaction

SETTINGS = {
    "username_claim": "email",
    "role_claim": "groups",
    "roles": {"trace-office": "office", "trace-inspectors": "inspector", "bogus": "king"},
    "department_claim": "dept",
}


def _market(engine) -> int:
    from sqlalchemy import select

    from traceboard.data.models import Unit

    with engine.connect() as conn:
        return conn.scalar(select(Unit.id).where(Unit.code == "market-regulation"))


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "Wang@City.GOV", "groups": ["staff", "trace-office"]}, ("wang@city.gov", "office")),
        ({"email": "wang@city.gov", "groups": "trace-office"}, ("wang@city.gov", "office")),
        ({"email": "wang@city.gov", "groups": ["staff"]}, None),  # no mapped group: no role
        ({"email": "wang@city.gov", "groups": ["bogus"]}, None),  # mapped to a role that does not exist
        ({"groups": ["trace-office"]}, None),  # no username
        ({"email": "system", "groups": ["trace-office"]}, None),  # the name the software acts under
        ({"email": "a b<script>", "groups": ["trace-office"]}, None),  # outside the safe alphabet
        ({"email": "li@city.gov", "groups": ["trace-inspectors"]}, None),  # inspector without department
        ({"email": "li@city.gov", "groups": ["trace-inspectors"], "dept": "nowhere"}, None),
    ],
)
def test_claims_map_to_a_role(engine, claims, expected):
    actor = actor_from_claims(engine, claims, SETTINGS)
    assert (actor.username, actor.role) == expected if expected else actor is None


def test_inspector_department_from_its_claim(engine):
    claims = {"email": "li@city.gov", "groups": ["trace-inspectors"], "dept": "market-regulation"}
    assert actor_from_claims(engine, claims, SETTINGS) == Actor("li@city.gov", "inspector", _market(engine))


def test_a_disabled_local_account_keeps_the_person_out(engine):
    with transaction(engine) as session:
        add_user(session, SYSTEM, "wang@city.gov", "office", password="Correct-horse-9")
        disable_user(session, SYSTEM, "wang@city.gov")
    assert actor_from_claims(engine, {"email": "wang@city.gov", "groups": ["trace-office"]}, SETTINGS) is None
