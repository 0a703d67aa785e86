import datetime as dt

import pandas as pd
import pytest

from traceboard.blacklist.rules import months_before, proposal_rules, suggest_proposals
from traceboard.data.blacklist_config import load_blacklist_rules

D = dt.date
RULES = proposal_rules(load_blacklist_rules())


def checks(*rows):
    return pd.DataFrame(rows, columns=["id", "enterprise_id", "checked_on", "result", "major_hazard"])


NO_CASES = pd.DataFrame(columns=["enterprise_id", "state"])


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 3, 1), 12, D(2025, 3, 1)),
        (D(2026, 3, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 15), 13, D(2022, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_single_results_that_suggest_a_case():
    found = suggest_proposals(
        checks(
            (1, 10, D(2026, 1, 5), "false_trace_info", False),
            (2, 11, D(2026, 1, 6), "quality_failure", True),
            (3, 12, D(2026, 1, 7), "quality_failure", False),  # no major hazard: no suggestion
            (4, 13, D(2026, 1, 8), "obstruction", False),
            (5, 14, D(2026, 1, 9), "no_problem", False),
        ),
        NO_CASES,
        RULES,
    )
    assert found[["enterprise_id", "inspection_id", "rule"]].values.tolist() == [
        [13, 4, "obstruction"],
        [11, 2, "quality_failure_major_hazard"],
        [10, 1, "false_trace_info"],
    ]


def test_two_failed_checks_within_twelve_months_both_days_included():
    inside = checks(
        (1, 20, D(2025, 3, 1), "no_traceability", False), (2, 20, D(2026, 3, 1), "no_traceability", False)
    )
    found = suggest_proposals(inside, NO_CASES, RULES)
    assert found[["enterprise_id", "inspection_id", "rule"]].values.tolist() == [[20, 2, "repeated_failures"]]
    outside = checks(
        (1, 20, D(2025, 2, 28), "no_traceability", False), (2, 20, D(2026, 3, 1), "no_traceability", False)
    )
    assert suggest_proposals(outside, NO_CASES, RULES).empty


def test_enterprises_with_an_open_case_are_not_suggested_again():
    rows = checks(
        (1, 10, D(2026, 1, 5), "false_trace_info", False), (2, 11, D(2026, 1, 6), "obstruction", False)
    )
    cases = pd.DataFrame({"enterprise_id": [10, 11], "state": ["published", "revoked"]})
    assert suggest_proposals(rows, cases, RULES)["enterprise_id"].tolist() == [11]


def test_a_check_that_already_led_to_a_case_is_not_suggested_again():
    rows = checks(
        (1, 10, D(2026, 1, 5), "false_trace_info", False), (2, 10, D(2026, 6, 1), "obstruction", False)
    )
    cases = pd.DataFrame({"enterprise_id": [10], "state": ["revoked"], "source_inspection_id": [1]})
    found = suggest_proposals(rows, cases, RULES)
    assert found[["inspection_id", "rule"]].values.tolist() == [[2, "obstruction"]]
    cases["source_inspection_id"] = [2]
    assert suggest_proposals(rows.iloc[[1]], cases, RULES).empty


def test_the_results_the_rules_look_at_are_all_that_suggest():
    assert RULES.results() == (
        "false_trace_info",
        "no_traceability",
        "obstruction",
        "quality_failure",
        "rectification_ordered",
    )
    rows = checks(  # two failures within 12 months, with checks between them that found nothing
        (1, 10, D(2026, 1, 5), "rectification_ordered", False),
        (2, 10, D(2026, 2, 5), "no_problem", False),
        (3, 10, D(2026, 3, 5), "unreachable", False),
        (4, 10, D(2026, 4, 5), "no_traceability", False),
        (5, 11, D(2026, 4, 6), "no_problem", True),
    )
    found = suggest_proposals(rows, NO_CASES, RULES)
    assert found[["enterprise_id", "inspection_id", "rule"]].values.tolist() == [[10, 4, "repeated_failures"]]
    looked_at = rows[rows["result"].isin(RULES.results())]
    pd.testing.assert_frame_equal(suggest_proposals(looked_at, NO_CASES, RULES), found)


def test_two_failures_on_one_day_count_in_id_order_whatever_order_they_come_in():
    rows = checks(
        (7, 10, D(2026, 4, 5), "no_traceability", False),
        (3, 10, D(2026, 4, 5), "rectification_ordered", False),
    )
    for order in (rows, rows.iloc[::-1]):
        found = suggest_proposals(order, NO_CASES, RULES)
        assert found[["inspection_id", "rule"]].values.tolist() == [[7, "repeated_failures"]]


def test_a_third_failure_counts_only_the_same_enterprise_s_failures_before_it():
    from dataclasses import replace

    three = replace(RULES, result_rules=(), repeat=replace(RULES.repeat, count=3))
    rows = checks(
        (1, 10, D(2026, 1, 5), "rectification_ordered", False),
        (2, 10, D(2026, 2, 5), "no_traceability", False),
        (3, 11, D(2026, 2, 6), "no_problem", False),
        (4, 10, D(2026, 3, 5), "rectification_ordered", False),
        (5, 11, D(2026, 3, 6), "rectification_ordered", False),  # two rows back: no. 10's failures
        (6, 11, D(2026, 4, 6), "rectification_ordered", False),
    )
    found = suggest_proposals(rows, NO_CASES, three)
    assert found[["enterprise_id", "inspection_id"]].values.tolist() == [[10, 4]]
