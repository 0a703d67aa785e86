"""The built-in measures on hand-made records (the small world of test_assessment)."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from tests.metrics.test_assessment import indicator, make_set, small_world
from traceboard.metrics.assessment import assess
from traceboard.metrics.assessment_measures import MEASURES, MeasureContext

ts = pd.Timestamp


def measure(name, inputs, frame, group="department", **params):
    return MEASURES[name].compute(MeasureContext(inputs, frame, group), params)


def test_milestones_on_time_late_missing_and_not_yet_due():
    inputs, frame, _ = small_world()
    elements = ["建设目标", "工作任务", "追溯模式", "落地模式", "时间进度", "重要产品目录", "具体措施"]
    milestones = pd.DataFrame(
        {
            "department_id": [1, 2, 1, 2],
            "kind": ["plan_submitted", "plan_submitted", "platform_built", "platform_interconnected"],
            "due_on": [ts("2017-12-31"), ts("2017-12-31"), ts("2019-07-31"), ts("2021-12-31")],
            "achieved_on": [ts("2017-12-20"), ts("2018-03-01"), pd.NaT, ts("2021-01-01")],
            "elements": [elements, elements[:4], [], []],
        }
    )
    inputs = replace(inputs, milestones=milestones)
    plan = measure("milestone_plan", inputs, frame, late_credit=0.5)
    # 甲局 on time with 7/7 → 1; 乙局 late (×0.5) with 4/7 → 2/7
    assert plan["value"].tolist() == [1.0, 0.5 * 4 / 7]
    assert plan.loc[2, "inputs"] == {
        "due_on": "2017-12-31", "achieved_on": "2018-03-01", "on_time": False, "status": "late",
        "elements_present": 4, "elements_required": 7,
    }  # fmt: skip
    built = measure("milestone_platform_built", inputs, frame)
    assert built["applicable"].tolist() == [True, False] and built.loc[1, "value"] == 0.0  # 乙局 has none
    joined = measure("milestone_platform_interconnected", inputs, frame)
    assert joined["applicable"].tolist() == [False, False]  # 乙局's falls due after 2020


def test_checks_planned_by_draw_or_by_ratio():
    inputs, frame, _ = small_world()
    inspections = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "department_id": [1, 1, 2],
            "township_id": [10, 11, 10],
            "checked_on": [ts("2020-03-02")] * 3,
            "result": ["no_problem", "obstruction", "unreachable"],
            "rectification_due_on": [pd.NaT] * 3,
            "rectified_on": [pd.NaT] * 3,
            "published_on": [ts("2020-03-10")] * 3,
        }
    )
    assignments = pd.DataFrame({"id": [7, 8, 9], "department_id": [2, 2, 2], "done": [True, False, True]})
    inputs = replace(inputs, inspections=inspections, assignments=assignments)
    got = measure("check_plan_completion", inputs, frame, min_ratio=0.25)
    # 甲局: no draw; ceil(0.25 × 10 active) = 3 planned, 2 checks → 2/3. 乙局: 2 of 3 drawn checks done.
    assert got["value"].tolist() == [2 / 3, 2 / 3]
    assert got.loc[1, "inputs"]["basis"] == "min_ratio of active enterprises"
    assert got.loc[2, "inputs"] == {"planned": 3, "done": 2, "basis": "drawn plan"}
    bad = measure("check_obstruction_count", inputs, frame, group="township")
    assert bad["value"].tolist() == [1.0, 1.0]


def test_publication_and_rectification_count_only_what_is_due():
    inputs, frame, _ = small_world()
    # 2020-03-02 (Mon) + 20 working days → 2020-03-30; 2020-12-28 + 20 → in 2021 (counts once published)
    inspections = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "department_id": [1, 1, 1, 1],
            "township_id": [10, 10, 11, 11],
            "checked_on": [ts("2020-03-02"), ts("2020-03-02"), ts("2020-12-28"), ts("2020-06-01")],
            "result": ["rectification_ordered"] * 4,
            "rectification_due_on": [ts("2020-04-01"), ts("2020-04-01"), ts("2021-01-27"), ts("2020-07-01")],
            "rectified_on": [ts("2020-03-20"), pd.NaT, pd.NaT, ts("2021-02-01")],
            "published_on": [ts("2020-03-30"), ts("2020-03-31"), pd.NaT, ts("2020-06-05")],
        }
    )
    inputs = replace(inputs, inspections=inspections)
    published = measure("publication_on_time", inputs, frame, working_days=20)
    assert published.loc[1, "inputs"] == {"published_on_time": 2, "checks": 3}
    fixed = measure("rectification_rate", inputs, frame)
    assert fixed.loc[1, "inputs"] == {
        "rectified": 1,
        "ordered": 3,
    }  # no. 3 not yet due; no. 4 fixed after the year
    by_town = measure("rectification_rate", inputs, frame, group="township")
    assert by_town["value"].tolist() == [0.5, 0.0]


def test_blacklist_and_alert_work_credits_lead_departments():
    inputs, frame, _ = small_world()
    inputs = replace(
        inputs,
        blacklist_events=pd.DataFrame({"entry_id": [1, 1, 2], "department_id": [1, 1, 1]}),
        alerts=pd.DataFrame({"id": [5, 6], "sector_id": [1, 1]}),
        sector_leads=pd.DataFrame({"sector_id": [1], "department_id": [2]}),
    )
    got = measure("blacklist_alert_acts", inputs, frame)
    assert got["value"].tolist() == [3.0, 2.0] and got["applicable"].all()
    assert np.isnan(measure("adoption_growth", inputs, frame).loc[2, "value"])  # 乙局 supervises nobody


def test_active_rate_counts_uploads_within_the_window():
    from traceboard.data.frame import build_uploads

    inputs, frame, _ = small_world()
    # as of 2020-12-31 the 90-day window starts 2020-10-03: E1 (12-01) and E6 (11-15) count; E2's
    # 10-02 is one day too early; E7 uploaded 0 records
    uploads = pd.DataFrame(
        {
            "enterprise_id": [1, 2, 6, 7],
            "platform_id": [1, 1, 1, 1],
            "day": [ts("2020-12-01"), ts("2020-10-02"), ts("2020-11-15"), ts("2020-12-31")],
            "records": [5, 4, 3, 0],
            "items": [None] * 4,
        }
    )
    platforms = pd.DataFrame({"id": [1], "code": ["p"], "name": ["平台"]})
    frame = replace(frame, uploads=build_uploads(uploads, pd.Index(frame.enterprises["id"]), platforms))
    towns = measure("active_rate", inputs, frame, group="township")
    assert towns["value"].tolist() == [0.2, 0.2]
    assert towns.loc[10, "inputs"] == {"active": 1, "total": 5, "window_days": 90}
    departments = measure("active_rate", inputs, frame)
    assert departments["value"].tolist()[0] == 0.2 and departments["applicable"].tolist() == [True, False]
    wider = measure("active_rate", inputs, frame, group="township", window_days=91)
    assert wider["value"].tolist() == [0.4, 0.2]


def test_a_milestone_owed_by_the_plan_is_on_time_late_or_overdue_never_not_applicable():
    """The plan's timetable (milestones_due) makes the milestone owed: no row at all is 逾期未报 (0)."""
    inputs, frame, _ = small_world()
    due = ts("2019-07-31")
    owed = pd.DataFrame({"unit_id": [1, 2, 10, 11], "kind": ["platform_built"] * 4, "due_on": [due] * 4})
    recorded = pd.DataFrame(
        {
            "department_id": [1, 10],
            "kind": ["platform_built"] * 2,
            "due_on": [due] * 2,
            "achieved_on": [ts("2019-07-01"), ts("2020-03-01")],
            "elements": [[], []],
        }
    )
    inputs = replace(inputs, milestones=recorded, milestones_due=owed)  # assessed at 2020-12-31
    for group, ids, values, statuses in (
        ("department", [1, 2], [1.0, 0.0], ["on_time", "overdue"]),  # 乙局 never reported: 0, counted
        ("township", [10, 11], [0.5, 0.0], ["late", "overdue"]),
    ):
        got = measure("milestone_platform_built", inputs, frame, group, late_credit=0.5)
        assert got.index.tolist() == ids
        assert got["applicable"].all() and got["value"].tolist() == values
        assert [i["status"] for i in got["inputs"]] == statuses
    # assessed in the year it falls due, before the date: done counts, not yet due is not counted
    early = replace(inputs, year=2019, as_of=dt.date(2019, 7, 15))
    got = measure("milestone_platform_built", early, frame, late_credit=0.5)
    assert got["applicable"].tolist() == [True, False]
    assert [i["status"] for i in got["inputs"]] == ["on_time", "not_due"]


def test_a_department_that_never_reported_its_plan_loses_those_points():
    """Before: no milestone row → not applicable and the score rescaled over the rest (100)."""
    inputs, frame, _ = small_world()
    sets = {
        "department": make_set(
            "department",
            [
                indicator("plan", 30, "milestone_plan", "linear", target=1.0),
                indicator("publicity", 70, "publicity_count", "capped", params={"per_event": 70}),
            ],
        ),
        "township": make_set(
            "township", [indicator("p", 100, "publicity_count", "capped", params={"per_event": 1})]
        ),
    }
    owed = pd.DataFrame({"unit_id": [1, 2], "kind": ["plan_submitted"] * 2, "due_on": [ts("2017-12-31")] * 2})
    units = assess(replace(inputs, milestones_due=owed), frame, sets).units.set_index("unit")
    # both held publicity (70 of 70) and neither handed in its plan: 70 of 100, not 100 of 70
    assert units.loc[["甲局", "乙局"], "score"].tolist() == [70.0, 70.0]
    assert units.loc[["甲局", "乙局"], "grade"].tolist() == ["合格", "合格"]
    without_timetable = assess(inputs, frame, sets).units.set_index("unit")
    assert without_timetable.loc["乙局", "score"] == 100.0  # what the plan's timetable now prevents


def test_adoption_counted_from_the_category_codes_as_compute_adoption_counts_it(demo_engine):
    """The measures' count of a group's adoption (one count over the category codes) equals
    compute_adoption's, enterprises outside any category of the group included (counted in none)."""
    from traceboard.data.frame import load_register_frame, to_day
    from traceboard.metrics.adoption import adoption_state, compute_adoption
    from traceboard.metrics.assessment_measures import _adoption_counts

    frame = load_register_frame(demo_engine)
    ent = frame.enterprises
    codes = ent["department"].cat.codes.to_numpy().copy()
    codes[::7] = -1  # a seventh of them under no department
    orphans = ent["department"].cat.categories
    frame = replace(frame, enterprises=ent.assign(department=pd.Categorical.from_codes(codes, orphans)))
    for day in (dt.date(2019, 12, 31), dt.date(2024, 12, 31), dt.date(2026, 6, 30)):
        state = adoption_state(frame, to_day(day))
        for group in ("department", "township"):
            names, counts = _adoption_counts(frame, group, to_day(day), state)
            table = compute_adoption(frame, [group], to_day(day), state)
            assert names.tolist() == table[group].astype(str).tolist()
            assert counts["total"].tolist() == table["total"].tolist() and counts["total"].sum() > 0
            assert counts["adopted"].tolist() == table["adopted"].tolist()
            np.testing.assert_array_equal(counts["rate"], table["rate"].to_numpy(dtype=float))
