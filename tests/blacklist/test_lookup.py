import datetime as dt

import pandas as pd

from tests.blacklist.site_fixture import CASES, ENTERPRISES, EVENTS, FORMULA, HOSTILE, RESULTS
from traceboard.blacklist.lookup import answer_lookup, match_enterprises, public_cases, summarise_enterprises

D = dt.date


def summary(as_of):
    return summarise_enterprises(ENTERPRISES, EVENTS, CASES, RESULTS, as_of)


def test_traceability_follows_the_last_event_on_or_before_the_date():
    before, after = summary(D(2025, 5, 31)), summary(D(2025, 6, 1))
    by_code = lambda s: dict(zip(s["uscc"], s["traceable"], strict=True))  # noqa: E731
    assert by_code(before) == {
        ENTERPRISES.uscc[0]: True,
        ENTERPRISES.uscc[1]: True,
        ENTERPRISES.uscc[2]: False,
        ENTERPRISES.uscc[3]: True,
    }
    assert by_code(after)[ENTERPRISES.uscc[1]] is False, "dropped on 2025-06-01"
    assert summary(D(2023, 6, 4))["connected"].tolist() == [False, False, False, False]
    assert summary(D(2023, 6, 5))["connected"].tolist() == [False, False, True, False]


def test_only_published_cases_count_and_removed_ones_do_not_blacklist():
    cases = pd.concat([CASES, CASES.iloc[[2]].assign(state="listed", published_on=None, enterprise_id=4)])
    assert public_cases(cases)["enterprise_id"].tolist() == [1, 2, 3]
    s = summarise_enterprises(ENTERPRISES, EVENTS, cases, RESULTS, D(2026, 1, 1))
    assert dict(zip(s["enterprise_id"], s["blacklisted"], strict=True)) == {
        1: True,
        2: True,
        3: False,
        4: False,
    }


def test_matching_by_code_or_name_and_the_procurement_answer():
    s = summary(D(2026, 1, 1))
    assert match_enterprises(s, " 91430381y12hujk11n ")["enterprise_id"].tolist() == [4]
    assert match_enterprises(s, "hyperlink")["name"].tolist() == [FORMULA]
    assert match_enterprises(s, "").empty
    answers = {a["enterprise_id"]: a for a in answer_lookup("湘乡", s, CASES, RESULTS)}
    assert answers[4]["procurement"] == {"ok": True, "reason": "ok"}
    [hostile] = answer_lookup("script", s, CASES, RESULTS)
    assert hostile["name"] == HOSTILE and hostile["procurement"] == {"ok": False, "reason": "blacklisted"}
    assert [c["listed_on"] for c in hostile["cases"]] == [D(2025, 2, 6)]
    [quotes] = answer_lookup("Sons", s, CASES, RESULTS)
    assert (quotes["blacklisted"], quotes["procurement"]["reason"]) == (False, "not_traceable")
    assert quotes["cases"][0]["removal_reason"].startswith("王记")
