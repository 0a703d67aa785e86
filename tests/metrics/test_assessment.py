"""The assessment's arithmetic on small worlds computed by hand."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from traceboard.data.assessment_config import (
    InvalidIndicatorSet,
    load_indicator_set,
    parse_indicator_set,
    read_indicator_set,
)
from traceboard.data.assessment_store import AssessmentInputs
from traceboard.data.frame import build_frame, to_day
from traceboard.metrics.adoption import adoption_state
from traceboard.metrics.assessment import (
    UnknownMeasure,
    apply_rule,
    assess,
    assign_grades,
    diff_runs,
    explanation_facts,
    rank_scores,
    round_score,
    word_explanation,
    word_value,
)
from traceboard.metrics.assessment_measures import MEASURES

GRADES = (
    ("优秀", "excellent", 90.0),
    ("良好", "good", 75.0),
    ("合格", "pass", 60.0),
    ("不合格", "fail", 0.0),
)


def make_set(kind: str, indicators: list[dict], path: str = "test.toml"):
    grades = [{"name": n, "name_en": e, "min": m} for n, e, m in GRADES]
    data = {"unit_kind": kind, "from_year": 2018, "grades": grades, "indicators": indicators}
    return parse_indicator_set(data, path)


def indicator(code, weight, measure, rule, **extra):
    base = {"code": code, "name_zh": code, "name_en": code, "weight": weight, "measure": measure}
    return base | {"rule": rule, "source": "test"} | extra


def one(rule: str, weight: float = 20, **extra):
    return make_set(
        "township", [indicator("x", weight, "publicity_count", rule, **extra), *_rest(100 - weight)]
    ).indicators[0]


def _rest(weight):
    return [indicator("rest", weight, "publicity_count", "capped", params={"per_event": 1})] if weight else []


@pytest.mark.parametrize(
    ("rule", "extra", "values", "expected"),
    [
        ("linear", {"target": 0.7}, [0.62, 0.7, 0.9, 0.0], [0.62 / 0.7, 1.0, 1.0, 0.0]),
        ("threshold", {"target": 4}, [3, 4, 5], [0.0, 1.0, 1.0]),
        ("threshold", {"target": 4, "params": {"below": 0.5}}, [3, 4], [0.5, 1.0]),
        ("deduction", {"params": {"per_event": 3}}, [0, 2, 7], [1.0, 14 / 20, 0.0]),
        ("capped", {"params": {"per_event": 2.5}}, [0, 3, 9], [0.0, 7.5 / 20, 1.0]),
    ],
)
def test_rules(rule, extra, values, expected):
    ind = one(rule, **extra)
    got = apply_rule(ind, np.array(values, dtype=float), ind.target_for(2020))
    assert got == pytest.approx(expected)


def test_explanation_reads_like_the_issue_in_english_and_in_chinese():
    ind = one("linear", target=0.7)
    points = round_score(apply_rule(ind, np.array([0.62]), 0.7) * 20)[0]
    assert points == 17.7
    facts = explanation_facts(ind, "adoption_rate", "share", 0.62, 0.7, points)
    assert facts["value"] == 0.62 and facts["target"] == 0.7 and facts["indicator"] == "x"
    assert word_explanation(facts, "en") == "adoption 62.0 % vs target 70.0 % → 17.7 / 20"
    assert word_explanation(facts, "zh") == "追溯覆盖率 62.0 %，目标 70.0 % → 17.7 / 20 分"
    missing = explanation_facts(ind, "adoption_rate", "share", np.nan, 0.7, 0.0)
    assert word_explanation(missing, "en") == "adoption: not applicable → – / 20"
    assert word_explanation(missing, "zh") == "追溯覆盖率：不适用 → – / 20 分"
    capped = explanation_facts(
        one("capped", params={"per_event": 2.5}), "publicity_count", "count", 2, None, 5
    )
    assert word_explanation(capped, "zh") == "宣传活动 2 × 2.5（最多 20 分）→ 5.0 / 20 分"
    assert word_explanation("adoption 1.0 % vs target 2.0 % → 1.0 / 20", "zh").startswith("adoption"), (
        "a run saved before the facts were kept shows its stored line"
    )


def test_values_and_targets_read_formatted_and_a_missing_one_is_a_dash():
    assert word_value(0.7343, "share", "zh") == "73.4 %"
    assert word_value(0.063, "points", "zh") == "+6.3 个百分点"
    assert word_value(0.063, "points", "en") == "+6.3 pp"
    assert word_value(2.0, "count", "zh") == "2" and word_value(2.5, "count", "en") == "2.5"
    assert word_value(None, "share", "zh") == word_value(np.nan, "share", "en") == "—"


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100.0, "优秀"),
        (90.0, "优秀"),
        (89.9, "良好"),
        (75.0, "良好"),
        (74.9, "合格"),
        (60.0, "合格"),
        (59.9, "不合格"),
        (0.0, "不合格"),
    ],
)
def test_grade_boundaries_are_exact(score, grade):
    assert assign_grades([score], GRADES)[0] == grade


def test_scores_round_half_up_to_one_decimal():
    assert list(round_score([89.95, 89.94, 59.95, 0.05, 100.0])) == [90.0, 89.9, 60.0, 0.1, 100.0]
    assert assign_grades(round_score([89.95]), GRADES)[0] == "优秀"


def test_equal_scores_share_a_rank():
    assert list(rank_scores([90.0, 85.0, 90.0, 70.0, 85.0])) == [1, 3, 1, 5, 3]


def test_targets_per_year_take_the_latest_year_not_after():
    ind = make_set(
        "township", [indicator("a", 100, "adoption_rate", "linear", targets={"2018": 0.3, "2020": 0.7})]
    ).indicators[0]
    assert [ind.target_for(y) for y in (2018, 2019, 2020, 2026)] == [0.3, 0.3, 0.7, 0.7]


def test_weights_not_summing_to_100_are_refused_naming_the_file(tmp_path):
    path = tmp_path / "township-2019.toml"
    text = (
        'unit_kind = "township"\nfrom_year = 2019\n[[grades]]\nname = "合格"\nmin = 0.0\n'
        '[[indicators]]\ncode = "a"\nname_zh = "甲"\nname_en = "a"\nweight = 60\nmeasure = "adoption_rate"\n'
        'rule = "linear"\ntarget = 0.5\nsource = "t"\n'
        '[[indicators]]\ncode = "b"\nname_zh = "乙"\nname_en = "b"\nweight = 35\n'
        'measure = "publicity_count"\n'
        'rule = "capped"\nsource = "t"\nparams = { per_event = 5 }\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidIndicatorSet, match=rf"{path}: weights sum to 95, not 100"):
        read_indicator_set(path)
    with pytest.raises(InvalidIndicatorSet, match=r"township-2019\.toml"):
        load_indicator_set(2020, "township", tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rule": "sliding"}, "unknown rule 'sliding'"),
        ({"rule": "capped", "params": {}}, "needs params.per_event > 0"),
        ({"target": -1}, "targets must be positive"),
    ],
)
def test_malformed_indicators_are_refused(change, message):
    bad = indicator("a", 100, "adoption_rate", "linear", target=0.5) | change
    with pytest.raises(InvalidIndicatorSet, match=message):
        make_set("township", [bad])


def test_the_default_sets_load_and_name_only_built_in_measures():
    for year in (2018, 2026):
        for kind in ("department", "township"):
            s = load_indicator_set(year, kind)
            for role in [r[0] for r in s.roles] or [None]:  # each class of unit has its own 100 points
                assert sum(i.weight for i in s.indicators if role in (i.roles or (role,))) == 100
            assert all(kind in MEASURES[i.measure].groups for i in s.indicators)
            assert "草案" in s.title and s.definition["status"] == "draft"


# --- a small world ---------------------------------------------------------------


def small_world():
    """2 departments, 2 towns; 10 enterprises all under D1, 5 per town."""
    units = pd.DataFrame(
        {
            "id": [1, 2, 10, 11],
            "code": ["d1", "d2", "t1", "t2"],
            "name": ["甲局", "乙局", "一镇", "二镇"],
            "kind": ["department", "department", "town", "town"],
            "sort_order": [1, 2, 3, 4],
        }
    )
    units["group"] = units["kind"].where(units["kind"] == "department", "township")
    ent = pd.DataFrame(
        {
            "id": range(1, 11),
            "uscc": [f"U{i}" for i in range(1, 11)],
            "name": [f"E{i}" for i in range(1, 11)],
            "township_id": [10] * 5 + [11] * 5,
            "sector_id": [1] * 10,
            "subcategory_id": [None] * 10,
            "department_id": [1] * 10,
            "registered_on": [None] * 10,
            "closed_on": [None] * 10,
            "risk_class": [None] * 10,
        }
    )
    d = dt.date
    events = pd.DataFrame(
        [(i, "adopted", d(2019, 5, 1)) for i in (1, 2, 3, 4)]
        + [(6, "adopted", d(2020, 3, 1)), (7, "adopted", d(2019, 3, 1)), (7, "dropped", d(2020, 6, 1))],
        columns=["enterprise_id", "kind", "occurred_on"],
    )
    frame = build_frame(
        1,
        units[["id", "code", "name", "kind"]],
        pd.DataFrame({"id": [1], "code": ["farm"], "name": ["食用农产品"]}),
        pd.DataFrame({"id": [], "sector_id": [], "name": []}),
        ent,
        events,
    )
    ts = pd.Timestamp
    publicity = pd.DataFrame(
        {"unit_id": [1, 1, 1, 2, 2, 2, 2], "held_on": [ts("2020-02-01")] * 3 + [ts("2020-05-01")] * 4}
    )
    due = [ts(f"2020-{m:02d}-10") for m in (4, 7, 10, 12)]
    reports = pd.DataFrame(
        {
            "unit_id": [10] * 4 + [11] * 4,
            "period": ["Q1", "Q2", "Q3", "Q4"] * 2,
            "due_on": due * 2,
            "submitted_on": [
                due[0],
                due[1],
                due[2] + pd.Timedelta(days=1),
                due[3],
                due[0],
                pd.NaT,
                due[2],
                ts("2020-12-30"),
            ],
        }
    )
    empty = pd.DataFrame
    inputs = AssessmentInputs(
        year=2020,
        as_of=d(2020, 12, 31),
        units=units,
        milestones=empty({"department_id": [], "kind": [], "due_on": [], "achieved_on": [], "elements": []}),
        inspections=empty(columns=["id", "department_id", "township_id", "checked_on", "result"]),
        assignments=empty({"id": [], "department_id": [], "done": []}),
        blacklist_events=empty({"entry_id": [], "department_id": []}),
        alerts=empty({"id": [], "sector_id": []}),
        sector_leads=empty({"sector_id": [], "department_id": []}),
        publicity=publicity,
        reports=reports,
    )
    sets = {
        "department": make_set(
            "department",
            [
                indicator("adoption", 60, "adoption_rate", "linear", target=0.8),
                indicator("publicity", 40, "publicity_count", "capped", params={"per_event": 10}),
            ],
        ),
        "township": make_set(
            "township",
            [
                indicator("adoption", 50, "adoption_rate", "linear", target=0.5),
                indicator("reports", 50, "reports_on_time", "linear", target=1.0),
            ],
        ),
    }
    return inputs, frame, sets


def test_small_world_scores_by_hand():
    inputs, frame, sets = small_world()
    previous = pd.DataFrame({"unit_id": [10], "score": [80.0]})
    result = assess(inputs, frame, sets, previous)
    units = result.units.set_index("unit")
    # 甲局: adoption 5/10 = 50 % of target 80 % → 60 × 0.625 = 37.5; publicity 3 × 10 = 30 of 40 → 67.5
    # 乙局: no enterprise → adoption not applicable; publicity 4 × 10 = 40 of 40 → 100.0 over the
    #       40 points that apply: fewer than 60 → 不予评定, not ranked (before, it ranked first as 优秀)
    # 一镇: 4/5 = 80 % ≥ 50 % → 50; reports 3 of 4 on time → 37.5 → 87.5 (change +7.5)
    # 二镇: 1/5 (E7 dropped) = 20 % → 20; reports 2 of 4 (one missing, one late) → 25 → 45.0
    assert units["score"].to_dict() == {"甲局": 67.5, "乙局": 100.0, "一镇": 87.5, "二镇": 45.0}
    assert units["grade"].to_dict() == {"甲局": "合格", "乙局": "不予评定", "一镇": "良好", "二镇": "不合格"}
    assert units["rank"].dropna().to_dict() == {"甲局": 1, "一镇": 1, "二镇": 2}
    assert pd.isna(units.loc["乙局", "rank"])
    assert units["applicable_weight"].to_dict() == {"甲局": 100, "乙局": 40, "一镇": 100, "二镇": 100}
    assert units.loc["一镇", "change"] == 7.5 and np.isnan(units.loc["二镇", "change"])
    ind = result.indicators.set_index(["unit_id", "indicator_code"])
    assert word_explanation(ind.loc[(1, "adoption"), "explanation"], "en") == (
        "adoption 50.0 % vs target 80.0 % → 37.5 / 60"
    )
    assert ind.loc[(1, "adoption"), "inputs"] == {"adopted": 5, "total": 10}
    assert not ind.loc[(2, "adoption"), "applicable"] and ind.loc[(2, "adoption"), "max_points"] == 0
    assert ind.loc[(11, "reports"), "inputs"] == {"on_time_reports": 2, "due": 4}


def test_a_kept_adoption_state_scores_as_one_computed_and_both_groups_share_a_day():
    inputs, frame, sets = small_world()
    asked = []

    def state_at(day: int) -> pd.DataFrame:
        asked.append(day)
        return adoption_state(frame, day)

    alone = assess(inputs, frame, sets)
    kept = assess(inputs, frame, sets, state_at=state_at)
    pd.testing.assert_frame_equal(kept.units, alone.units)
    pd.testing.assert_frame_equal(kept.indicators, alone.indicators)
    # both groups read the assessment day: asked once per group, the same day
    assert asked == [to_day(inputs.as_of)] * 2


@pytest.mark.parametrize("minimum", [60, 40])
def test_no_unit_is_graded_on_indicators_worth_less_than_the_minimum(minimum):
    """乙局 has only publicity (40 of its 100 points): graded only where the set asks for ≤ 40."""
    inputs, frame, sets = small_world()
    sets["department"] = replace(sets["department"], min_applicable_weight=float(minimum))
    units = assess(inputs, frame, sets).units.set_index("unit")
    assert bool(units.loc["乙局", "graded"]) is (minimum <= 40)
    assert (units.loc["乙局", "grade"] == "优秀") is (minimum <= 40)
    assert units.loc["甲局", "rank"] == (2 if minimum <= 40 else 1)  # 乙局 takes no place unless graded
    graded = units[units["grade"] != "不予评定"]
    assert (graded["applicable_weight"] >= graded["required_weight"]).all()


def test_the_default_sets_ask_for_60_points_and_quote_the_plan():
    for kind in ("department", "township"):
        s = load_indicator_set(2025, kind)
        assert s.min_applicable_weight == 60
        assert all(i.plan[:1] in "二三四五" and len(i.plan) > 20 for i in s.indicators), kind


def test_lead_and_supporting_departments_are_scored_on_their_own_100_points_and_ranked_apart():
    """分类考核: 甲局 leads a sector (adoption and publicity); 乙局 only carries a duty, kept in its
    ledger — under one set it had publicity alone (40 points, 不予评定); here it has 100 of its own."""
    inputs, frame, sets = small_world()
    ts = pd.Timestamp
    inputs = replace(
        inputs,
        sector_leads=pd.DataFrame({"sector_id": [1], "department_id": [1]}),
        duties=pd.DataFrame({"unit_id": [2, 2], "duty": [7, 8]}),
        duty_records=pd.DataFrame({"unit_id": [2], "duty": [7], "recorded_on": [ts("2020-06-01")]}),
    )
    roles = [{"code": "lead", "name": "牵头部门"}, {"code": "support", "name": "配合部门"}]
    lead = [
        indicator("adoption", 60, "adoption_rate", "linear", target=0.8, roles=["lead"]),
        indicator("publicity", 40, "publicity_count", "capped", params={"per_event": 10}, roles=["lead"]),
    ]
    support = [
        indicator("duties", 80, "duty_coverage", "linear", target=1.0, roles=["support"]),
        indicator(
            "s_publicity", 20, "publicity_count", "capped", params={"per_event": 10}, roles=["support"]
        ),
    ]
    sets["department"] = parse_indicator_set(
        {**sets["department"].definition, "roles": roles, "indicators": lead + support}, "d.toml"
    )
    units = assess(inputs, frame, sets).units.set_index("unit")
    # 甲局 as before: 67.5; 乙局: one of two duties recorded → 40 of 80, publicity 20 of 20 → 60.0
    assert units.loc[["甲局", "乙局"], "score"].tolist() == [67.5, 60.0]
    assert units.loc[["甲局", "乙局"], "role_name"].tolist() == ["牵头部门", "配合部门"]
    assert units.loc[["甲局", "乙局"], "grade"].tolist() == ["合格", "合格"]
    assert units.loc[["甲局", "乙局"], "rank"].tolist() == [1, 1]  # each first of its class
    with pytest.raises(InvalidIndicatorSet, match="weights of role support sum to 80, not 100"):
        parse_indicator_set(
            {**sets["department"].definition, "roles": roles, "indicators": lead + support[:1]}, "d.toml"
        )


def test_an_unknown_measure_is_refused_naming_the_file():
    inputs, frame, sets = small_world()
    sets["township"] = make_set(
        "township", [indicator("x", 100, "moon_phase", "linear", target=1)], "mine.toml"
    )
    with pytest.raises(UnknownMeasure, match=r"mine\.toml: indicator x: no built-in measure 'moon_phase'"):
        assess(inputs, frame, sets)


def test_diff_lists_what_changed_between_versions():
    old_units = pd.DataFrame(
        {"unit_id": [1, 2], "score": [67.5, 100.0], "grade": ["合格", "优秀"], "rank": [2, 1]}
    )
    new_units = pd.DataFrame(
        {"unit_id": [1, 2], "score": [77.5, 100.0], "grade": ["良好", "优秀"], "rank": [2, 1]}
    )
    old_ind = pd.DataFrame({"unit_id": [1, 2], "indicator_code": ["p", "p"], "points": [30.0, 40.0]})
    new_ind = pd.DataFrame({"unit_id": [1, 2], "indicator_code": ["p", "p"], "points": [40.0, 40.0]})
    diff = diff_runs(old_units, old_ind, new_units, new_ind)
    assert diff.to_dict("records") == [
        {"unit_id": 1, "item": "score", "old": 67.5, "new": 77.5},
        {"unit_id": 1, "item": "grade", "old": "合格", "new": "良好"},
        {"unit_id": 1, "item": "p", "old": 30.0, "new": 40.0},
    ]
