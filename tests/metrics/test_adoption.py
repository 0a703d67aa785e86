"""Adoption rates on a hand-built register (tests/metrics/adoption_world.py has the table by hand)."""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tests.metrics.adoption_world import D1, D2, FARM, FOOD, T1, T2, TARGETS, UNITS, small_frame
from traceboard.data.adoption_targets import InvalidTargets, load_targets
from traceboard.data.frame import EVENT_CODES, build_frame, from_day, to_day
from traceboard.metrics.adoption import UnknownGroup, _last_state, adoption_state, compute_adoption
from traceboard.metrics.adoption_counts import AdoptionStates, count_adoption_over_days, iter_states
from traceboard.metrics.adoption_report import (
    DateOutOfRange,
    adoption_table,
    adoption_with_change,
    check_day,
    prepare_adoption_view,
    scope_mask,
    sector_targets,
    trend_table,
    work_list,
    year_earlier,
)

D = dt.date
DAY = to_day(D(2020, 6, 30))


@pytest.fixture(scope="module")
def frame():
    return small_frame()


def rows(table: pd.DataFrame, by: list[str], columns=("total", "adopted", "connected")) -> dict:
    keys = table[by].astype(object).apply(tuple, axis=1) if by else [()] * len(table)
    return {k: tuple(v) for k, v in zip(keys, table[list(columns)].itertuples(index=False), strict=True)}


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ([], {(): (7, 4, 1)}),
        (["township"], {(T1,): (3, 2, 1), (T2,): (4, 2, 0)}),
        (["sector"], {(FARM,): (5, 3, 1), (FOOD,): (2, 1, 0)}),
        (["department"], {(D1,): (4, 4, 1), (D2,): (3, 0, 0)}),
        (["subcategory"], {("肉类",): (3, 3, 1), ("蔬菜",): (2, 0, 0), ("白酒",): (2, 1, 0)}),
        (
            ["township", "sector"],
            {(T1, FARM): (3, 2, 1), (T1, FOOD): (0, 0, 0), (T2, FARM): (2, 1, 0), (T2, FOOD): (2, 1, 0)},
        ),
    ],
)
def test_counts_by_hand(frame, by, expected):
    table = adoption_table(frame, by, DAY, TARGETS)
    assert rows(table, by) == expected
    assert rows(compute_adoption(frame, by, DAY), by) == expected  # the older function agrees


def test_rates_and_empty_groups_in_reference_order(frame):
    table = adoption_table(frame, ["township", "sector"], DAY, TARGETS)
    # the reference's order (望春门 before 山枣, farm before food), not the order of the characters
    assert table[["township", "sector"]].astype(str).values.tolist() == [
        [T1, FARM],
        [T1, FOOD],
        [T2, FARM],
        [T2, FOOD],
    ]
    table = table.set_index(["township", "sector"])
    assert table.loc[(T1, FARM), "rate"] == pytest.approx(2 / 3)
    assert table.loc[(T1, FARM), "connected_rate"] == pytest.approx(1 / 3)
    assert np.isnan(table.loc[(T1, FOOD), "rate"]) and np.isnan(table.loc[(T1, FOOD), "ci_low"])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2020, 6, 29), (7, 3, 1)),  # the day before no. 5 adopts
        (D(2020, 6, 30), (7, 4, 1)),  # adoption on exactly the date counts
        (D(2020, 7, 1), (8, 6, 1)),  # no. 4 registered and adopted, no. 8 adopted
        (D(2020, 2, 29), (8, 4, 1)),  # no. 3 still open, no. 2 dropped, no. 7 disconnected
        (D(2020, 3, 1), (7, 3, 1)),  # no. 3 closed on the date: no longer active
        (D(2019, 12, 31), (8, 5, 2)),
        (D(2018, 12, 31), (8, 1, 0)),  # no. 9 dropped in 2018; unknown registration counts as before
    ],
)
def test_as_of_semantics(frame, day, expected):
    total = adoption_table(frame, [], to_day(day), TARGETS).iloc[0]
    assert (total["total"], total["adopted"], total["connected"]) == expected


def test_wilson_intervals_against_published_values():
    # 30 of 100 → 0.2189 to 0.3958 (Wilson 1927); 81 of 263 → 0.2553 to 0.3662 (Newcombe 1998, ex. c)
    units = UNITS[UNITS["kind"] != "town"].reset_index(drop=True)
    sectors = pd.DataFrame({"id": [1, 2], "code": ["farm", "food"], "name": [FARM, FOOD]})
    subcats = pd.DataFrame({"id": [1], "sector_id": [1], "name": ["肉类"]})
    n = 100 + 263
    ent = pd.DataFrame(
        {
            "id": range(1, n + 1),
            "uscc": [f"U{i}" for i in range(n)],
            "name": [f"E{i}" for i in range(n)],
            "township_id": 1,
            "sector_id": [1] * 100 + [2] * 263,
            "subcategory_id": None,
            "department_id": 10,
            "registered_on": None,
            "closed_on": None,
            "risk_class": None,
        }
    )
    adopters = list(range(1, 31)) + list(range(101, 182))
    events = pd.DataFrame({"enterprise_id": adopters, "kind": "adopted", "occurred_on": D(2019, 1, 1)})
    table = adoption_table(build_frame(1, units, sectors, subcats, ent, events), ["sector"], DAY, TARGETS)
    assert table[["ci_low", "ci_high"]].round(4).to_numpy().tolist() == [[0.2189, 0.3958], [0.2553, 0.3662]]


def test_targets_and_gap(frame):
    by_sector = adoption_table(frame, ["sector"], DAY, TARGETS).set_index("sector")
    assert by_sector["target"].tolist() == [0.6, 0.8]
    assert by_sector["gap"].to_numpy() == pytest.approx([0.6 - 3 / 5, 0.8 - 1 / 2])
    by_town = adoption_table(frame, ["township"], DAY, TARGETS).set_index("township")
    # a township's target: its sectors' targets weighted by its active enterprises
    assert by_town["target"].to_numpy() == pytest.approx([0.6, (2 * 0.6 + 2 * 0.8) / 4])
    assert by_town["gap"].to_numpy() == pytest.approx([0.6 - 2 / 3, 0.7 - 2 / 4])
    total = adoption_table(frame, [], DAY, TARGETS).iloc[0]
    assert total["target"] == pytest.approx((5 * 0.6 + 2 * 0.8) / 7)


def test_targets_hold_until_the_next_year_and_are_missing_before_the_first(frame):
    assert sector_targets(frame, TARGETS, 2025).to_dict() == {FARM: 0.6, FOOD: 0.8}
    early = sector_targets(frame, TARGETS, 2019)
    assert early[FARM] == 0.5 and np.isnan(early[FOOD])
    # in 2019 food has no target: T2's target is over its farm enterprises only
    at_2019 = adoption_table(frame, ["township"], to_day(D(2019, 6, 30)), TARGETS).set_index("township")
    assert at_2019["target"].tolist() == [0.5, 0.5]
    assert np.isnan(adoption_table(frame, [], to_day(D(2018, 6, 30)), TARGETS)["target"].iloc[0])


def test_change_against_the_same_date_a_year_earlier(frame):
    # 2019-06-30: active 1,2,3,5,6,7,8,9 (8); adopted 1,2,3,7 (4)
    total = adoption_with_change(frame, [], DAY, TARGETS).iloc[0]
    assert total["rate_year_ago"] == pytest.approx(4 / 8)
    assert total["change"] == pytest.approx(4 / 7 - 4 / 8)
    by_town = adoption_with_change(frame, ["township"], DAY, TARGETS).set_index("township")
    # T1 a year earlier: active 1,2,3,9, adopted 1,2,3; T2: active 5,6,7,8, adopted 7
    assert by_town["rate_year_ago"].to_numpy() == pytest.approx([3 / 4, 1 / 4])


def test_year_earlier_of_a_leap_day():
    assert year_earlier(to_day(D(2020, 2, 29))) == to_day(D(2019, 2, 28))
    assert year_earlier(to_day(D(2021, 3, 1))) == to_day(D(2020, 3, 1))


def test_department_scoping(frame):
    d1 = scope_mask(frame, department=D1)
    total = adoption_table(frame, [], DAY, TARGETS, d1).iloc[0]
    assert (total["total"], total["adopted"], total["rate"]) == (4, 4, 1.0)
    food_d2 = scope_mask(frame, sector=FOOD, department=D2)
    assert rows(adoption_table(frame, ["township"], DAY, TARGETS, food_d2), ["township"]) == {
        (T1,): (0, 0, 0),
        (T2,): (1, 0, 0),
    }


def test_trend_at_year_ends_then_the_date(frame):
    trend = trend_table(frame, [], DAY, TARGETS, first_year=2018)
    assert trend["year"].tolist() == [2018, 2019, 2020]
    assert trend["day"].tolist() == [to_day(D(2018, 12, 31)), to_day(D(2019, 12, 31)), DAY]
    assert rows(trend, ["year"]) == {(2018,): (8, 1, 0), (2019,): (8, 5, 2), (2020,): (7, 4, 1)}
    by_sector = trend_table(frame, ["sector"], DAY, TARGETS, first_year=2019)
    assert rows(by_sector, ["year", "sector"], ("total", "adopted", "target")) == {
        (2019, FARM): (5, 3, 0.5),
        (2019, FOOD): (3, 2, pytest.approx(np.nan, nan_ok=True)),
        (2020, FARM): (5, 3, 0.6),
        (2020, FOOD): (2, 1, 0.8),
    }


def test_counts_over_days_equal_one_day_at_a_time(frame):
    days = [to_day(D(y, m, 1)) for y in range(2016, 2022) for m in (1, 4, 7, 10)]
    together = count_adoption_over_days(frame, ["township", "department"], days)
    for day in days:
        single = compute_adoption(frame, ["township", "department"], day)
        part = together[together["day"] == day]
        assert (
            part[["total", "adopted", "connected"]].to_numpy().tolist()
            == single[["total", "adopted", "connected"]].to_numpy().tolist()
        )


def test_work_list_of_a_township(frame):
    todo = work_list(frame, T2, DAY)
    assert todo["uscc"].tolist() == ["91430381TEST00006X", "91430381TEST00008X"]
    assert todo.columns.tolist() == [
        *("uscc", "name", "sector", "subcategory", "department", "registered"),
        *("reason", "last_upload"),
    ]
    assert set(todo["reason"]) == {"not_adopted"}  # no feed yet: silence is not judged
    assert work_list(frame, T2, DAY, scope_mask(frame, department=D1)).empty
    assert work_list(frame, T1, DAY)["uscc"].tolist() == ["91430381TEST00002X"]
    assert work_list(frame, T1, DAY)["registered"].tolist() == [D(2018, 1, 1)]


@pytest.mark.parametrize("department", [None, D1])
def test_the_work_list_with_kept_states_equals_one_without(frame, department):
    kept = AdoptionStates(frame)
    mask = scope_mask(frame, department=department)
    for day in (DAY, to_day(D(2021, 12, 31)), to_day(D(2019, 2, 1))):
        for township in (T1, T2):
            alone = work_list(frame, township, day, mask, 30)
            shared = work_list(frame, township, day, mask, 30, kept)
            pd.testing.assert_frame_equal(shared, alone)
            assert shared.dtypes.equals(alone.dtypes)
            for column in ("registered", "last_upload"):  # dates or None, as from_day gives them
                assert [type(v) for v in shared[column]] == [type(v) for v in alone[column]]


def test_page_view_puts_townships_on_the_tile_map(frame):
    view = prepare_adoption_view(frame, DAY, TARGETS)
    assert view.tiles[["township", "map_row", "map_col", "total"]].values.tolist() == [
        [T1, 3, 3, 3],
        [T2, 1, 4, 4],
    ]
    assert view.connection_target == pytest.approx((5 * 0.3 + 2 * 0.5) / 7)
    assert view.trend["year"].iloc[0] == 2016 and view.trend["year"].iloc[-1] == 2020


def test_bad_input(frame):
    with pytest.raises(UnknownGroup, match="'town'"):
        adoption_table(frame, ["town"], DAY, TARGETS)
    with pytest.raises(UnknownGroup, match="twice"):
        adoption_table(frame, ["sector", "sector"], DAY, TARGETS)
    assert check_day(frame, to_day(D(2017, 1, 1))) == to_day(D(2017, 1, 1))  # the first event
    with pytest.raises(DateOutOfRange, match="2016-12-31 is before any data"):
        check_day(frame, to_day(D(2016, 12, 31)))


def test_packaged_targets_cover_every_sector_and_say_they_are_assumptions(reference):
    targets = load_targets()
    assert set(targets["sector"]) == {s.code for s in reference.sectors}
    assert {2019, 2020} <= set(targets["year"])
    assert targets.attrs["milestones"][2019]["en"] == "initial coverage"
    assert targets.attrs["milestones"][2020]["en"] == "interconnection"
    assert "假设" in targets.attrs["assumption"] and "assumption" in targets.attrs["assumption"]


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("[sectors.farm]\nadoption = { 2019 = 1.5 }", "between 0 and 1"),
        ("[sectors.farm]\nadoption = { next = 0.5 }", "not a year"),
        ("x = 1", "no \\[sectors"),
        ("[sectors.farm", "targets.toml"),
    ],
)
def test_bad_targets_files_are_refused(tmp_path, text, fault):
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidTargets, match=fault):
        load_targets(path)


@pytest.mark.parametrize("scope", [{}, {"department": D2}, {"sector": FOOD}])
@pytest.mark.parametrize("day", [D(2020, 6, 30), D(2019, 12, 31), D(2020, 2, 29)])
def test_page_view_sums_the_same_tables_as_the_functions(frame, scope, day):
    day = to_day(day)
    view = prepare_adoption_view(frame, day, TARGETS, **scope)
    mask = scope_mask(frame, **scope)
    pd.testing.assert_frame_equal(
        view.by_township, adoption_with_change(frame, ["township"], day, TARGETS, mask)
    )
    pd.testing.assert_series_equal(view.total, adoption_with_change(frame, [], day, TARGETS, mask).iloc[0])
    pd.testing.assert_frame_equal(view.trend, trend_table(frame, ["sector"], day, TARGETS, mask))
    pd.testing.assert_frame_equal(
        view.by_township_sector, adoption_table(frame, ["township", "sector"], day, TARGETS, mask)
    )


def _grouped(frame, by: list[str], day: int) -> pd.DataFrame:
    """The counts as a group-by of the categoricals makes them (what compute_adoption counted
    before it counted by bincount): every combination, in category order."""
    state = adoption_state(frame, day)
    data = pd.concat([frame.enterprises[by], state.astype(np.int64)], axis=1)[state["active"].to_numpy()]
    if not by:
        return data[["active", "adopted", "connected"]].sum().to_frame().T
    return data.groupby(by, observed=False, sort=True)[["active", "adopted", "connected"]].sum().reset_index()


@pytest.mark.parametrize(
    "by", [[], ["township"], ["subcategory"], ["department", "sector"], ["sector", "township", "subcategory"]]
)
def test_counts_equal_a_group_by_of_the_categoricals(frame, by):
    for day in [to_day(D(y, m, 1)) for y in range(2015, 2022) for m in (1, 7)]:
        table = compute_adoption(frame, by, day)
        expected = _grouped(frame, by, day).rename(columns={"active": "total"})
        pd.testing.assert_frame_equal(
            table[[*by, "total", "adopted", "connected"]], expected, check_exact=True
        )


def test_state_is_the_last_event_of_each_pair():
    """Adopted, dropped, adopted again (and connected, then disconnected on the same day): the last
    event of each pair on or before the day decides, in the frame's order."""
    adopted, dropped, connected, disconnected = (
        EVENT_CODES[k] for k in ("adopted", "dropped", "connected", "disconnected")
    )
    events = pd.DataFrame(
        {
            "pos": np.array([0, 1, 0, 1, 0, 1, 1], dtype=np.int32),
            "kind": np.array(
                [adopted, adopted, dropped, connected, adopted, disconnected, connected], dtype=np.int8
            ),
            "day": np.array([1, 1, 2, 2, 3, 3, 9], dtype=np.int32),
        }
    )
    assert _last_state(events, 3, adopted, dropped).tolist() == [True, True, False]
    assert _last_state(events.iloc[:3], 3, adopted, dropped).tolist() == [False, True, False]
    assert _last_state(events.iloc[:6], 3, connected, disconnected).tolist() == [False, False, False]
    assert _last_state(events, 3, connected, disconnected).tolist() == [False, True, False]
    assert _last_state(events.iloc[:0], 3, adopted, dropped).tolist() == [False, False, False]


def test_counts_over_days_without_groups_are_the_city_totals(frame):
    """One row per day (任务进度's own rate at each year's end), as compute_adoption of no group."""
    days = [to_day(D(y, 12, 31)) for y in range(2014, 2021)] + [to_day(D(2021, 3, 1))] * 2
    together = count_adoption_over_days(frame, [], days)
    assert together["day"].tolist() == days
    for i, day in enumerate(days):
        single = compute_adoption(frame, [], day)
        assert together[["total", "adopted", "connected"]].iloc[i].tolist() == (
            single[["total", "adopted", "connected"]].iloc[0].tolist()
        )


def test_own_rates_of_the_timetable_equal_each_year_computed_alone(frame):
    from traceboard.services.timetable import _own_rates

    own = _own_rates(frame, [2015, 2017, 2019, 2020, 2021, 2022], D(2021, 3, 1))
    expected = [
        float(compute_adoption(frame, [], to_day(min(D(y, 12, 31), D(2021, 3, 1))))["rate"].iloc[0])
        for y in (2015, 2017, 2019, 2020, 2021, 2022)
    ]
    assert own["year"].tolist() == [2015, 2017, 2019, 2020, 2021, 2022]
    np.testing.assert_array_equal(own["rate"].to_numpy(), np.array(expected))
    assert _own_rates(frame, [], D(2021, 3, 1)).empty


def test_kept_states_equal_a_pass_over_the_events_whatever_the_order_of_the_days(frame):
    """The states the pages share (追溯覆盖率, 任务进度, 年度考核) are those of one pass over the
    events, for days asked in any order, again, or after others were forgotten; a day later than
    a kept one applies only the events between (the last event of each pair still wins)."""
    kept = AdoptionStates(frame)
    ends = [to_day(D(y, 12, 31)) for y in range(2015, 2022)]
    others = [to_day(D(y, m, d)) for y in range(2016, 2022) for m, d in ((3, 1), (6, 30), (7, 1))]
    asked = [*others[::-1], *ends[3:], *ends[:3], others[0], ends[4], DAY]
    for day, got in zip(asked, kept.states(frame, asked, 30), strict=True):
        want = next(iter_states(frame, [day], 30))
        assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True)), from_day(day)
        assert kept.state_frame(frame, day).equals(adoption_state(frame, day))
    assert all(day in kept._kept for day in ends)  # the year ends stay
    assert sum(day not in ends for day in kept._kept) == AdoptionStates.OTHER_DAYS


def test_kept_states_belong_to_one_content_of_the_frame(frame):
    kept = AdoptionStates(frame)
    moved = dataclasses.replace(frame, content="9:another")
    with pytest.raises(ValueError, match="another content"):
        kept.states(moved, [DAY])
    with pytest.raises(ValueError, match="another content"):
        kept.state_frame(moved, DAY)


@pytest.mark.parametrize(("sector", "department"), [(None, None), (FARM, None), (None, D1)])
def test_the_page_view_with_kept_states_equals_one_without(frame, sector, department):
    kept = AdoptionStates(frame)
    for day in (DAY, to_day(D(2021, 12, 31)), to_day(D(2019, 2, 1))):
        alone = prepare_adoption_view(frame, day, TARGETS, sector, department, 30)
        shared = prepare_adoption_view(frame, day, TARGETS, sector, department, 30, kept)
        for name in ("by_township", "by_township_sector", "trend", "tiles"):
            pd.testing.assert_frame_equal(getattr(shared, name), getattr(alone, name))
        pd.testing.assert_series_equal(shared.total, alone.total)
        assert shared.connection_target == alone.connection_target or np.isnan(alone.connection_target)
