import datetime as dt
import itertools

import pytest

from traceboard.blacklist.lifecycle import (
    AWAITING_DECISION,
    IN_FORCE,
    MOVES,
    OPEN_STATES,
    REMOVALS,
    REPAIR_CONDITIONS,
    IllegalMove,
    Move,
    add_years,
    apply_move,
    check_move,
    earliest_repair_date,
    expiry_date,
    find_expired,
)
from traceboard.data.models import BLACKLIST_STATES
from traceboard.data.vocabulary import CASE_ENDINGS, CASE_LABELS, PUBLIC_STATES

D = dt.date
LEGAL = {
    ("proposed", "notified"),
    ("proposed", "rejected"),
    ("notified", "listed"),
    ("notified", "rejected"),
    ("listed", "published"),
    ("listed", "expired"),
    ("listed", "repaired"),
    ("listed", "revoked"),
    ("published", "expired"),
    ("published", "repaired"),
    ("published", "revoked"),
}
ALL_CONDITIONS = dict.fromkeys(REPAIR_CONDITIONS, True)


def test_the_state_machine_covers_the_schema_states():
    assert set(MOVES) == set(BLACKLIST_STATES)


@pytest.mark.parametrize(("state", "to_state"), list(itertools.product(BLACKLIST_STATES, repeat=2)))
def test_every_move_is_legal_or_refused_naming_the_allowed_ones(state, to_state):
    if (state, to_state) in LEGAL:
        check_move(state, to_state)
        return
    with pytest.raises(IllegalMove) as refused:
        check_move(state, to_state)
    allowed = sorted(t for s, t in LEGAL if s == state)
    message = str(refused.value)
    if allowed:
        assert message.endswith(f"allowed from {state}: {', '.join(t for t in MOVES[state])}")
        assert all(t in message for t in allowed)
    else:
        assert "none (the case is closed)" in message


LISTED_ON = D(2023, 5, 10)


def case(state="listed", listed_on=LISTED_ON, **extra):
    return {
        "state": state,
        "proposed_on": D(2023, 4, 1),
        "listed_on": listed_on,
        "last_moved_on": listed_on or D(2023, 4, 1),
        "authority": "市市场监管局",
        "legal_basis": "国发〔2016〕33号",
        "remedies": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("listed_on", "years", "expected"),
    [
        (D(2023, 5, 10), 3, D(2026, 5, 10)),
        (D(2024, 2, 29), 3, D(2027, 2, 28)),
        (D(2024, 2, 29), 4, D(2028, 2, 29)),
        (D(2023, 12, 31), 1, D(2024, 12, 31)),
    ],
)
def test_add_years(listed_on, years, expected):
    assert add_years(listed_on, years) == expected


def test_expiry_is_exactly_three_years_after_listing():
    entries = [{"id": 1, "state": "published", "listed_on": D(2023, 5, 10)}]
    assert expiry_date(D(2023, 5, 10)) == D(2026, 5, 10)
    assert find_expired(entries, D(2026, 5, 9)) == []
    assert find_expired(entries, D(2026, 5, 10)) == [(1, D(2026, 5, 10))]
    assert find_expired(entries, D(2026, 5, 10), years=5) == []


def test_only_cases_in_force_expire():
    entries = [
        {"id": 3, "state": "listed", "listed_on": D(2020, 1, 1)},
        {"id": 1, "state": "published", "listed_on": D(2020, 6, 1)},
        {"id": 2, "state": "repaired", "listed_on": D(2020, 1, 1)},
        {"id": 4, "state": "notified", "listed_on": None},
    ]
    assert find_expired(entries, D(2024, 1, 1)) == [(1, D(2023, 6, 1)), (3, D(2023, 1, 1))]


def test_repair_is_refused_the_day_before_one_year_naming_the_earliest_date():
    assert earliest_repair_date(D(2023, 5, 10)) == D(2024, 5, 10)
    early = Move("repaired", D(2024, 5, 9), "wang", "整改完成", details=ALL_CONDITIONS)
    with pytest.raises(IllegalMove, match="possible from 2024-05-10"):
        apply_move(case(), early)
    changes, event = apply_move(
        case(), Move("repaired", D(2024, 5, 10), "wang", "整改完成", details=ALL_CONDITIONS)
    )
    assert changes == {
        "state": "repaired",
        "removed_on": D(2024, 5, 10),
        "removal_reason": "整改完成",
        "removal_authority": "市市场监管局",
    }
    assert event["details"] == ALL_CONDITIONS
    assert (event["from_state"], event["to_state"], event["decided_by"]) == ("listed", "repaired", "wang")


@pytest.mark.parametrize("missing", REPAIR_CONDITIONS)
def test_repair_needs_each_of_the_four_conditions(missing):
    details = {**ALL_CONDITIONS, missing: False}
    with pytest.raises(IllegalMove, match=f"missing: {missing}$"):
        apply_move(case(), Move("repaired", D(2025, 1, 1), "wang", "整改完成", details=details))


def test_notify_records_remedies_and_listing_needs_an_authority():
    with pytest.raises(IllegalMove, match="remedies"):
        apply_move(case("proposed", None), Move("notified", D(2023, 4, 2), "wang"))
    changes, _ = apply_move(
        case("proposed", None), Move("notified", D(2023, 4, 2), "wang", remedies="十日内异议")
    )
    assert changes == {"state": "notified", "remedies": "十日内异议"}
    with pytest.raises(IllegalMove, match="authority"):
        apply_move(case("notified", None, authority=None), Move("listed", D(2023, 4, 9), "wang"))
    changes, event = apply_move(
        case("notified", None), Move("listed", D(2023, 4, 9), "wang", authority="市农业局")
    )
    assert changes == {"state": "listed", "authority": "市农业局", "listed_on": D(2023, 4, 9)}
    assert event["authority"] == "市农业局"
    assert event["legal_basis"] == "国发〔2016〕33号"


@pytest.mark.parametrize("to_state", ["revoked", "rejected"])
def test_removals_and_rejections_need_a_reason(to_state):
    state = "published" if to_state == "revoked" else "proposed"
    with pytest.raises(IllegalMove, match="needs a reason"):
        apply_move(case(state), Move(to_state, D(2024, 1, 1), "wang", reason="  "))


def test_a_move_cannot_be_dated_before_the_last_one():
    with pytest.raises(IllegalMove, match="before the case's last move on 2023-05-10"):
        apply_move(case(), Move("published", D(2023, 5, 9), "wang"))
    changes, _ = apply_move(case(), Move("published", D(2023, 5, 10), "wang"))
    assert changes == {"state": "published", "published_on": D(2023, 5, 10)}


def test_the_stages_of_a_case_are_one_partition_of_its_states():
    # One home for "open", "in force" and "removed": the stores, the rules and the pages use these.
    stages = [AWAITING_DECISION, IN_FORCE, REMOVALS, ("rejected",)]
    assert sorted(itertools.chain(*stages)) == sorted(BLACKLIST_STATES)
    assert OPEN_STATES == AWAITING_DECISION + IN_FORCE
    assert all(MOVES[s] for s in OPEN_STATES) and not any(MOVES[s] for s in (*REMOVALS, "rejected"))
    assert all(set(MOVES[s]) & set(REMOVALS) for s in IN_FORCE)
    assert list(CASE_LABELS) == list(BLACKLIST_STATES)
    assert set(CASE_ENDINGS) == set(BLACKLIST_STATES) - set(OPEN_STATES)  # every other state is an end
    assert set(PUBLIC_STATES) - {"published"} == set(REMOVALS)  # removals of published listings
