"""任务进度: the plan's timetable as the page and the command show it (read only).

One call, :func:`prepare_timetable`, loads the timetable, the recorded milestones, the register
frame, the targets and the counties' published rates, and hands them to
:mod:`traceboard.metrics.timetable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from traceboard.data.adoption_targets import load_targets
from traceboard.data.assessment_store import read_timetable
from traceboard.data.duty_store import county_adoption
from traceboard.data.frame import RegisterFrame, to_day
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.data.reference import Reference, load_reference
from traceboard.metrics.adoption_counts import AdoptionStates, count_adoption_over_days
from traceboard.metrics.timetable import city_rank_by_year, county_ranks, goal_progress, milestone_standings

GOAL_YEARS = (2019, 2020)  # the plan, part 二: 到2019年 …, 到2020年 …


@dataclass(frozen=True)
class TimetableView:
    """``milestones``: unit_id, unit, unit_en, group (department | township), kind, name_zh, name_en,
    due_on, achieved_on, status, days_late. ``goals``: see :func:`goal_progress`, with
    ``milestone_zh``/``milestone_en`` (the plan's name of the goal). ``counties``: see
    :func:`county_ranks`; ``city_ranks``: see :func:`city_rank_by_year`."""

    as_of: dt.date
    city: str
    milestones: pd.DataFrame
    goals: pd.DataFrame
    counties: pd.DataFrame
    city_ranks: pd.DataFrame
    targets_note: dict[str, str]  # the targets' caveat by language


def prepare_timetable(
    engine: Engine, today: dt.date, frame: RegisterFrame | None = None, states: AdoptionStates | None = None
) -> TimetableView:
    """The timetable at ``today``: every milestone's standing, the goals, the county ranking.

    ``states``: the frame's kept adoption states (the dashboard's, shared with the other pages
    that count at year ends), else the events are gone through here."""
    frame = frame or open_register_frame(engine)
    ref = load_reference()
    units, owed, recorded = read_timetable(engine)
    standings = milestone_standings(owed, recorded, today)
    milestones = _named(standings, units, ref)
    targets = load_targets()
    goals = goal_progress(frame, targets, list(GOAL_YEARS), today, states)
    names = targets.attrs.get("milestones", {})
    goals["milestone_zh"] = goals["year"].map(lambda y: names.get(y, {}).get("zh", ""))
    goals["milestone_en"] = goals["year"].map(lambda y: names.get(y, {}).get("en", ""))
    published = county_adoption(engine)
    own = _own_rates(frame, sorted(published["year"].unique()), today, states)
    ranks = county_ranks(published, ref.city_name, own)
    return TimetableView(
        as_of=today,
        city=ref.city_name,
        milestones=milestones,
        goals=goals,
        counties=ranks,
        city_ranks=city_rank_by_year(ranks),
        targets_note=dict(targets.attrs.get("assumptions", {})),
    )


def _named(standings: pd.DataFrame, units: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Standings with the unit's names and group and the timetable's name of each milestone."""
    info = units.set_index("id")[["name", "name_en", "group", "sort_order"]]
    table = standings.join(info, on="unit_id").rename(columns={"name": "unit", "name_en": "unit_en"})
    table["unit_en"] = table["unit_en"].fillna(table["unit"])
    label = {}
    for ms in ref.milestones:
        group = "township" if ms.units == "townships" else "department"
        label[(group, ms.kind)] = (ms.name, ms.name_en)
    pairs = [label.get((g, k), (k, k)) for g, k in zip(table["group"], table["kind"], strict=True)]
    table["name_zh"] = [p[0] for p in pairs]
    table["name_en"] = [p[1] for p in pairs]
    return table.sort_values(["group", "sort_order", "unit_id", "due_on"], ignore_index=True).drop(
        columns="sort_order"
    )


def _own_rates(
    frame: RegisterFrame, years: list[int], today: dt.date, states: AdoptionStates | None = None
) -> pd.DataFrame:
    """The city's adoption rate at each year's end (``today`` for the running year)."""
    days = [to_day(min(dt.date(int(year), 12, 31), today)) for year in years]
    # the years in one pass over the events (each year applies the events since the one before),
    # not the whole history again for each year (docs/adoption.md)
    counts = count_adoption_over_days(frame, [], days, states=states) if days else None
    rows = []
    for i, year in enumerate(years):
        total, adopted = counts["total"].to_numpy()[i], counts["adopted"].to_numpy()[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(total > 0, adopted / total, np.nan)  # as compute_adoption's rate
        rows.append({"year": int(year), "rate": float(rate)})
    return pd.DataFrame(rows, columns=["year", "rate"])
