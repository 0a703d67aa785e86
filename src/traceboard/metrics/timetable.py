"""The plan's timetable (任务进度): milestones against their due dates, the 2019 and 2020 goals,
and the city among Xiangtan's counties. Pure: DataFrames in and out.

Rules (docs/assessment.md "Milestones come from the plan's timetable", docs/adoption.md):
- a milestone's standing is the assessment's (:func:`milestone_status`): on time, late,
  overdue (逾期未报), not yet due;
- a goal year's progress is the adoption and connection rate at its 31 December (or at the
  day asked, for a year not over) against the office's targets for that year;
- the city's rank in a year is 1 + the number of counties with a strictly higher rate
  (the plan, part 二: "重要产品追溯体系建设水平位居湘潭市前列").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from traceboard.data.frame import RegisterFrame, to_day
from traceboard.metrics.adoption_counts import AdoptionStates
from traceboard.metrics.adoption_report import adoption_table, sector_targets
from traceboard.metrics.assessment_measures import milestone_status

CITY = "全市"


def milestone_standings(owed: pd.DataFrame, recorded: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Each milestone owed or recorded, with its standing at ``as_of``.

    Input: ``owed`` (the timetable: unit_id, kind, due_on), ``recorded`` (milestone rows:
    unit_id, kind, due_on, achieved_on). Output: unit_id, kind, due_on, achieved_on (NaT
    when not recorded by ``as_of``), status, days_late (recorded or today minus due; NaN
    when on time or not yet due). The timetable's due date wins over a row's own.
    """
    keys = ["unit_id", "kind"]
    both = owed[[*keys, "due_on"]].merge(
        recorded[[*keys, "due_on", "achieved_on"]], on=keys, how="outer", suffixes=("", "_row")
    )
    both["due_on"] = pd.to_datetime(both["due_on"]).fillna(pd.to_datetime(both["due_on_row"]))
    day = pd.Timestamp(as_of)
    achieved = pd.to_datetime(both["achieved_on"])
    both["achieved_on"] = achieved.where(achieved <= day)
    both["status"] = milestone_status(both["due_on"], both["achieved_on"], day)
    until = both["achieved_on"].fillna(day)
    late = both["status"].isin(["late", "overdue"])
    both["days_late"] = (until - both["due_on"]).dt.days.where(late)
    return both.drop(columns="due_on_row").sort_values([*keys], ignore_index=True)


def goal_progress(
    frame: RegisterFrame,
    targets: pd.DataFrame,
    years: list[int],
    as_of: dt.date,
    states: AdoptionStates | None = None,
) -> pd.DataFrame:
    """Per goal year, the city and each sector: rates at the year's end (``as_of`` for a year not
    over) against that year's targets.

    Output: year, day (the date measured), sector (CITY for the whole city), total, adopted,
    rate, target, connected_rate, connection_target, met (rate ≥ target and connection ≥ its
    target; False without a target), rate_vs_target, connected_vs_target (the differences).
    ``states``: the frame's kept adoption states (:class:`AdoptionStates`), if any.
    """
    parts = []
    for year in years:
        day = min(dt.date(year, 12, 31), as_of)
        by_sector = adoption_table(frame, ["sector"], to_day(day), targets, states=states)
        goal = sector_targets(frame, targets, year, "connection")
        by_sector["connection_target"] = goal.reindex(by_sector["sector"].astype(object)).to_numpy()
        city = adoption_table(frame, [], to_day(day), targets, states=states).assign(sector=CITY)
        city["connection_target"] = _weighted(by_sector["connection_target"], by_sector["total"])
        both = pd.concat([city, by_sector.assign(sector=by_sector["sector"].astype(object))])
        parts.append(both.assign(year=year, day=day))
    table = pd.concat(parts, ignore_index=True)
    met_adoption = table["rate"] >= table["target"] - 1e-12
    met_connection = table["connected_rate"] >= table["connection_target"] - 1e-12
    table["met"] = met_adoption & met_connection
    table["rate_vs_target"] = table["rate"] - table["target"]
    table["connected_vs_target"] = table["connected_rate"] - table["connection_target"]
    columns = ["year", "day", "sector", "total", "adopted", "rate", "target", "connected_rate"]
    return table[[*columns, "connection_target", "met", "rate_vs_target", "connected_vs_target"]]


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    known = values.notna().to_numpy() & (weights.to_numpy() > 0)
    if not known.any():
        return np.nan
    return float(np.average(values.to_numpy()[known], weights=weights.to_numpy()[known]))


def county_ranks(counties: pd.DataFrame, city: str, own: pd.DataFrame) -> pd.DataFrame:
    """Every county's rate per year with its rank, the city included.

    Input: ``counties`` (county, year, rate: the figures 湘潭市 publishes), the city's name,
    ``own`` (year, rate: the city's rate from its own register). The published figure of the
    city is used where there is one; else its own rate, marked ``published = False``. Only
    years with published figures are ranked. Output: year, county, rate, rank, is_city,
    published; by year, then rank.
    """
    published = counties[["county", "year", "rate"]].assign(published=True)
    years = sorted(published["year"].unique())
    have = set(published.loc[published["county"] == city, "year"])
    mine = own[own["year"].isin(years) & ~own["year"].isin(have)]
    mine = mine.assign(county=city, published=False)[["county", "year", "rate", "published"]]
    table = pd.concat([published, mine], ignore_index=True)
    table["rank"] = table.groupby("year")["rate"].rank(method="min", ascending=False).astype(int)
    table["is_city"] = table["county"] == city
    return table.sort_values(["year", "rank", "county"], ignore_index=True)[
        ["year", "county", "rate", "rank", "is_city", "published"]
    ]


def city_rank_by_year(ranks: pd.DataFrame) -> pd.DataFrame:
    """The city's row of each year of :func:`county_ranks`, with how many counties were ranked."""
    counted = ranks.groupby("year").size().rename("counties")
    city = ranks[ranks["is_city"]].set_index("year")[["rate", "rank", "published"]]
    return city.join(counted).reset_index()
