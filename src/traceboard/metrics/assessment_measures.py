"""The built-in measures of the annual assessment: one number per unit from the year's record.

Each measure takes a :class:`MeasureContext` and the indicator's ``params`` and
returns a DataFrame indexed by unit id (every unit of the context's group, in
order) with ``value`` (float, NaN when not applicable), ``applicable`` (bool)
and ``inputs`` (a dict of the figures behind the value, shown in reports).
Sources: the plan (湘乡政办发〔2017〕46号) parts 四 (milestones) and 五 (checks,
blacklist, alerts, publicity, yearly assessment); the 20-working-day publication
rule of 双随机、一公开 (the office's assumption, docs/assessment.md). Indicator files name the
measures and quote the plan sentence each one measures (see ``config/assessment/``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from traceboard.data.assessment_store import AssessmentInputs
from traceboard.data.frame import RegisterFrame, to_day
from traceboard.data.vocabulary import PLAN_ELEMENTS
from traceboard.metrics.active_traceability import ACTIVE_WINDOW_DAYS, uploaded_within
from traceboard.metrics.adoption import adoption_state, compute_adoption
from traceboard.workdays import PUBLICATION_WORKING_DAYS, publication_due_each

NON_COOPERATION = ("obstruction", "unreachable")


@dataclass
class MeasureContext:
    """What the measures read: the year's inputs, the register frame, the group being scored."""

    inputs: AssessmentInputs
    frame: RegisterFrame
    group: str  # "department" | "township"
    cache: dict = field(default_factory=dict)
    # adoption_state(frame, day) by day number: shared by both groups of a year, and across years
    # when the caller keeps it (a year's 31 December is the next year's "year before")
    state_at: Callable[[int], pd.DataFrame] | None = None

    # read by every measure of every unit: selected once per context, not on each use
    @cached_property
    def units(self) -> pd.DataFrame:
        return self.inputs.units[self.inputs.units["group"] == self.group]

    @cached_property
    def ids(self) -> pd.Index:
        return pd.Index(self.units["id"].to_numpy(), name="unit_id")

    def adoption(self, day: dt.date) -> pd.DataFrame:
        """total, adopted, rate per unit id of the group at ``day`` (compute_adoption's, cached)."""
        if day not in self.cache:
            number = to_day(day)
            state = self.state_at(number) if self.state_at else adoption_state(self.frame, number)
            names, counts = _adoption_counts(self.frame, self.group, number, state)
            wanted = self.units.set_index("id")["name"].to_numpy()
            at = names.get_indexer(wanted)
            if (at >= 0).all():  # every unit is a category: its row by position
                self.cache[day] = pd.DataFrame({c: v[at] for c, v in counts.items()}, index=self.ids)
            else:  # a unit the frame does not know: NaN, as a reindex gives
                self.cache[day] = pd.DataFrame(counts, index=names).reindex(wanted).set_axis(self.ids)
        return self.cache[day]


def _adoption_counts(
    frame: RegisterFrame, group: str, day: int, state: pd.DataFrame
) -> tuple[pd.Index, dict[str, np.ndarray]]:
    """The names of ``group`` (its categories, in order) and their total, adopted and rate as
    :func:`compute_adoption` counts them, by one count of the category codes: without the
    intervals and the connected columns it also makes, which the measures do not read."""
    column = frame.enterprises[group]
    if not isinstance(column.dtype, pd.CategoricalDtype):
        table = compute_adoption(frame, [group], day, state)
        names = pd.Index(table[group].astype(str))
        return names, {c: table[c].to_numpy() for c in ("total", "adopted", "rate")}
    size = len(column.cat.categories)
    # one count over (category, active, adopted) instead of a filtered copy per count: the key
    # is 4 × (code + 1) + 2 × active + adopted, an enterprise without the category in row 0
    key = column.cat.codes.to_numpy().astype(np.int32)
    key += 1
    key <<= 2
    key |= np.asarray(state["active"].to_numpy(), dtype=bool).view(np.uint8) << 1
    key |= np.asarray(state["adopted"].to_numpy(), dtype=bool).view(np.uint8)
    cells = np.bincount(key, minlength=4 * (size + 1)).reshape(size + 1, 4)[1:]
    total = (cells[:, 2] + cells[:, 3]).astype(np.int64)  # active, adopted or not
    adopted = cells[:, 3].astype(np.int64)  # active and adopted
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(total > 0, adopted / total, np.nan)
    names = pd.Index(column.cat.categories.astype(str))
    return names, {"total": total, "adopted": adopted, "rate": rate}


def _result(ids: pd.Index, value, applicable, inputs: list[dict]) -> pd.DataFrame:
    applicable = np.asarray(applicable, dtype=bool)
    value = np.where(applicable, np.asarray(value, dtype=float), np.nan)
    return pd.DataFrame({"value": value, "applicable": applicable, "inputs": inputs}, index=ids)


def _count_by(table: pd.DataFrame, key: str, ids: pd.Index, mask=None) -> np.ndarray:
    """Rows of ``table`` per unit of ``ids`` (in its order), only those where ``mask`` holds: one
    position lookup and one bincount, not a filtered copy and a group-by (a key not among ``ids``,
    or missing, counts for none)."""
    codes = ids.get_indexer(table[key])
    keep = codes >= 0
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    return np.bincount(codes[keep], minlength=len(ids)).astype(np.int64)


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


# --- milestones (the plan's timetable, part 四) ------------------------------------

MILESTONE_STATUSES = ("on_time", "late", "overdue", "not_due", "not_owed")


def milestone_status(due: pd.Series, achieved: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Each milestone's standing at ``as_of``: on_time (recorded by its due date), late (recorded
    after it), overdue (due date passed, nothing recorded: 逾期未报), not_due (nothing recorded
    yet, due date still ahead) or not_owed (no due date: the unit does not owe it)."""
    done = achieved.notna().to_numpy() & (achieved <= as_of).to_numpy()
    owed = due.notna().to_numpy()
    return np.select(
        [~owed, done & (achieved <= due).to_numpy(), done, due.to_numpy() <= as_of],
        ["not_owed", "on_time", "late", "overdue"],
        "not_due",
    )


def _first_of_kind(table: pd.DataFrame, key: str, kind: str, ids: pd.Index) -> np.ndarray:
    """Each of ``ids``' first row of ``kind`` in ``table`` (its position; −1: none), as a
    ``drop_duplicates`` then ``reindex`` picks: looked up in a dict, since for the few dozen units
    and milestones those small-frame steps cost most of the measure."""
    rows = np.flatnonzero(table["kind"].to_numpy() == kind)
    first: dict = {}
    for row, unit in zip(rows.tolist(), table[key].to_numpy()[rows].tolist(), strict=True):
        first.setdefault(unit, row)
    return np.array([first.get(unit, -1) for unit in ids.tolist()], dtype=np.int64)


def _dates_at(column: pd.Series, at: np.ndarray, ids: pd.Index) -> pd.Series:
    """``column``'s dates at the positions ``at`` (NaT at −1), indexed by ``ids``."""
    values = pd.to_datetime(column).to_numpy()
    taken = values[np.maximum(at, 0)] if len(values) else np.full(len(at), np.datetime64("NaT", "ns"))
    taken[at < 0] = np.datetime64("NaT")
    return pd.Series(taken, index=ids)


def _milestone(ctx: MeasureContext, params: dict, kind: str, elements: bool) -> pd.DataFrame:
    """1 when recorded by its due date, ``late_credit`` when recorded late (by the assessment day),
    0 when overdue without a record (逾期未报) — times the share of the 7 plan elements present for
    the plan. The due date is the plan's (``milestones_due``, from the reference data); a recorded
    milestone the timetable does not list keeps its own. Applies to every unit that owes it, from
    the year it falls due; a unit that owes none, or whose date is still ahead, is not applicable."""
    ms, plan = ctx.inputs.milestones, ctx.inputs.milestones_due
    at = _first_of_kind(ms, "department_id", kind, ctx.ids)
    due = _dates_at(plan["due_on"], _first_of_kind(plan, "unit_id", kind, ctx.ids), ctx.ids)
    due = due.fillna(_dates_at(ms["due_on"], at, ctx.ids))
    achieved = _dates_at(ms["achieved_on"], at, ctx.ids)
    as_of = pd.Timestamp(ctx.inputs.as_of)
    status = milestone_status(due, achieved, as_of)
    falls_due = (due <= pd.Timestamp(ctx.inputs.year, 12, 31)).to_numpy()
    applicable = falls_due & np.isin(status, ("on_time", "late", "overdue"))
    late_credit = float(params.get("late_credit", 0.5))
    timeliness = np.select([status == "on_time", status == "late"], [1.0, late_credit], 0.0)
    listed = [ms["elements"].iat[i] if i >= 0 else None for i in at]  # None: no row of the kind
    present = np.array(
        [len(set(e) & set(PLAN_ELEMENTS)) if isinstance(e, list) else 0 for e in listed], dtype=np.int64
    )
    share = present / len(PLAN_ELEMENTS) if elements else np.ones(len(at))
    recorded = np.isin(status, ("on_time", "late"))
    inputs = [
        {
            "due_on": _iso(d),
            "achieved_on": _iso(a) if ok else None,
            "on_time": st == "on_time",
            "status": str(st),
        }
        | ({"elements_present": int(p), "elements_required": len(PLAN_ELEMENTS)} if elements else {})
        for d, a, ok, st, p in zip(due, achieved, recorded, status, present, strict=True)
    ]
    return _result(ctx.ids, timeliness * share, applicable, inputs)


def measure_milestone_plan(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    return _milestone(ctx, params, "plan_submitted", elements=True)


def measure_milestone_platform_built(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    return _milestone(ctx, params, "platform_built", elements=False)


def measure_milestone_platform_interconnected(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    return _milestone(ctx, params, "platform_interconnected", elements=False)


# --- adoption -------------------------------------------------------------------


def measure_adoption_rate(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Adopted ÷ active enterprises of the unit at the assessment day (a department: those it supervises)."""
    table = ctx.adoption(ctx.inputs.as_of)
    inputs = [
        {"adopted": int(a), "total": int(t)} for a, t in zip(table["adopted"], table["total"], strict=True)
    ]
    return _result(ctx.ids, table["rate"], table["total"].to_numpy() > 0, inputs)


def measure_adoption_growth(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Rate at the assessment day minus rate at the end of the year before (fraction, i.e. points/100)."""
    now = ctx.adoption(ctx.inputs.as_of)
    before = ctx.adoption(dt.date(ctx.inputs.year - 1, 12, 31))
    applicable = (now["total"].to_numpy() > 0) & (before["total"].to_numpy() > 0)
    inputs = [
        {
            "rate": None if pd.isna(r) else round(float(r), 6),
            "rate_before": None if pd.isna(b) else round(float(b), 6),
        }
        for r, b in zip(now["rate"], before["rate"], strict=True)
    ]
    return _result(ctx.ids, now["rate"].to_numpy() - before["rate"].to_numpy(), applicable, inputs)


def measure_active_rate(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Enterprises with active traceability ÷ enterprises in operation of the unit at the assessment
    day: those that uploaded records to a platform within ``window_days`` (default 90) up to it."""
    day = to_day(ctx.inputs.as_of)
    window = int(params.get("window_days", ACTIVE_WINDOW_DAYS))
    ent = ctx.frame.enterprises
    state = ctx.state_at(day) if ctx.state_at else adoption_state(ctx.frame, day)  # kept by the caller
    in_operation = state["active"].to_numpy()
    active = uploaded_within(ctx.frame.uploads, len(ent), day, window) & in_operation
    names = ctx.units.set_index("id")["name"].reindex(ctx.ids).to_numpy()
    codes = pd.Index(names).get_indexer(ent[ctx.group].astype(object).to_numpy())
    known = codes >= 0
    total = np.bincount(codes[known & in_operation], minlength=len(names))
    uploading = np.bincount(codes[known & active], minlength=len(names))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = uploading / total
    inputs = [
        {"active": int(a), "total": int(t), "window_days": window}
        for a, t in zip(uploading, total, strict=True)
    ]
    return _result(ctx.ids, value, total > 0, inputs)


# --- random checks ----------------------------------------------------------------


def measure_check_plan_completion(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Checks done ÷ checks planned. Planned: the assignments drawn under the department's plans
    of the year; without any, ``min_ratio`` of its active supervised enterprises (rounded up)."""
    drawn = _count_by(ctx.inputs.assignments, "department_id", ctx.ids)
    drawn_done = _count_by(
        ctx.inputs.assignments, "department_id", ctx.ids, ctx.inputs.assignments["done"].astype(bool)
    )
    active = ctx.adoption(ctx.inputs.as_of)["total"].to_numpy()
    by_ratio = np.ceil(float(params.get("min_ratio", 0.03)) * active).astype(int)
    checks = _count_by(ctx.inputs.inspections, "department_id", ctx.ids)
    planned = np.where(drawn > 0, drawn, by_ratio)
    done = np.where(drawn > 0, drawn_done, checks)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = done / planned
    inputs = [
        {
            "planned": int(p),
            "done": int(d),
            "basis": "drawn plan" if n > 0 else "min_ratio of active enterprises",
        }
        for p, d, n in zip(planned, done, drawn, strict=True)
    ]
    return _result(ctx.ids, value, planned > 0, inputs)


def measure_publication_on_time(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Checks published within ``working_days`` Chinese working days ÷ checks whose deadline has
    passed or that are published (checks still within their deadline do not count yet)."""
    checks = ctx.inputs.inspections
    due = publication_due_each(
        checks["checked_on"], int(params.get("working_days", PUBLICATION_WORKING_DAYS))
    )
    as_of = pd.Timestamp(ctx.inputs.as_of)
    published = checks["published_on"].notna() & (checks["published_on"] <= as_of)
    eligible = published | (due < as_of)
    on_time = published & (checks["published_on"] <= due)
    counted = _count_by(checks, "department_id", ctx.ids, eligible)
    timely = _count_by(checks, "department_id", ctx.ids, on_time & eligible)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = timely / counted
    inputs = [{"published_on_time": int(t), "checks": int(c)} for t, c in zip(timely, counted, strict=True)]
    return _result(ctx.ids, value, counted > 0, inputs)


def measure_rectification_rate(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Checks with a rectification order rectified by the assessment day ÷ such orders whose
    deadline has passed or that are rectified (by department, or by the enterprise's township)."""
    checks = ctx.inputs.inspections
    as_of = pd.Timestamp(ctx.inputs.as_of)
    ordered = checks["rectification_due_on"].notna()
    fixed = ordered & checks["rectified_on"].notna() & (checks["rectified_on"] <= as_of)
    eligible = fixed | (ordered & (checks["rectification_due_on"] < as_of))
    key = "department_id" if ctx.group == "department" else "township_id"
    counted = _count_by(checks, key, ctx.ids, eligible)
    rectified = _count_by(checks, key, ctx.ids, fixed & eligible)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = rectified / counted
    inputs = [{"rectified": int(r), "ordered": int(c)} for r, c in zip(rectified, counted, strict=True)]
    return _result(ctx.ids, value, counted > 0, inputs)


def measure_check_obstruction_count(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Checks of the unit's enterprises in the year found obstructed or unreachable (a count)."""
    checks = ctx.inputs.inspections
    bad = _count_by(checks, "township_id", ctx.ids, checks["result"].isin(NON_COOPERATION))
    total = _count_by(checks, "township_id", ctx.ids)
    inputs = [
        {"obstructed_or_unreachable": int(b), "checks": int(t)} for b, t in zip(bad, total, strict=True)
    ]
    return _result(ctx.ids, bad, np.ones(len(bad), dtype=bool), inputs)


# --- blacklist, alerts, publicity, reports -------------------------------------


def measure_blacklist_alert_acts(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Moves of blacklist cases from the department's checks plus consumer alerts published in
    sectors it leads, in the year. Applies to departments that lead a sector or supervise enterprises."""
    moves = _count_by(ctx.inputs.blacklist_events, "department_id", ctx.ids)
    alerts = ctx.inputs.alerts.merge(ctx.inputs.sector_leads, on="sector_id")
    alert_count = _count_by(alerts, "department_id", ctx.ids)
    leads = np.isin(ctx.ids, ctx.inputs.sector_leads["department_id"].to_numpy())
    supervises = ctx.adoption(ctx.inputs.as_of)["total"].to_numpy() > 0
    inputs = [{"blacklist_moves": int(b), "alerts": int(a)} for b, a in zip(moves, alert_count, strict=True)]
    return _result(ctx.ids, moves + alert_count, leads | supervises, inputs)


def measure_publicity_count(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Publicity activities the unit held in the year (up to the assessment day)."""
    held = ctx.inputs.publicity
    count = _count_by(held, "unit_id", ctx.ids, held["held_on"] <= pd.Timestamp(ctx.inputs.as_of))
    return _result(ctx.ids, count, np.ones(len(count), dtype=bool), [{"activities": int(c)} for c in count])


def measure_reports_on_time(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Reports due in the year (up to the assessment day) submitted by their due date ÷ reports due."""
    reports = ctx.inputs.reports
    due = reports["due_on"] <= pd.Timestamp(ctx.inputs.as_of)
    on_time = due & reports["submitted_on"].notna() & (reports["submitted_on"] <= reports["due_on"])
    counted = _count_by(reports, "unit_id", ctx.ids, due)
    timely = _count_by(reports, "unit_id", ctx.ids, on_time)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = timely / counted
    inputs = [{"on_time_reports": int(t), "due": int(c)} for t, c in zip(timely, counted, strict=True)]
    return _result(ctx.ids, value, counted > 0, inputs)


def measure_duty_coverage(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Duties of the unit (from the reference data's duty list) with at least one duty record
    (工作台账) dated in the year up to the assessment day ÷ its duties. Not applicable to a unit
    the duty list gives no duty."""
    duties = ctx.inputs.duties.drop_duplicates(["unit_id", "duty"])
    records = ctx.inputs.duty_records
    records = records[records["recorded_on"] <= pd.Timestamp(ctx.inputs.as_of)]
    # a few hundred duties and records: pairs in a set, not merges and a group-by
    kept = set(zip(records["unit_id"].tolist(), records["duty"].tolist(), strict=True))
    pairs = list(zip(duties["unit_id"].tolist(), duties["duty"].tolist(), strict=True))
    recorded = np.array([pair in kept for pair in pairs], dtype=bool)
    owed = _count_by(duties, "unit_id", ctx.ids)
    met = _count_by(duties, "unit_id", ctx.ids, recorded)
    records_by_unit = _count_by(records, "unit_id", ctx.ids)
    without: dict = {}
    for (unit, duty), ok in zip(pairs, recorded, strict=True):
        if not ok:
            without.setdefault(unit, []).append(duty)
    missing = [[int(d) for d in sorted(without.get(unit, []))] for unit in ctx.ids]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = met / owed
    inputs = [
        {"duties": int(o), "duties_recorded": int(d), "records": int(r), "duties_without_record": w}
        for o, d, r, w in zip(
            owed, met, records_by_unit, missing,
            strict=True,
        )
    ]  # fmt: skip
    return _result(ctx.ids, value, owed > 0, inputs)


def measure_duty_regularity(ctx: MeasureContext, params: dict) -> pd.DataFrame:
    """Of the unit's duties × the quarters of the year begun by the assessment day, the share with
    a duty record (工作台账) in that quarter: work kept up through the year, not once at its end.
    Not applicable to a unit the duty list gives no duty."""
    as_of = pd.Timestamp(ctx.inputs.as_of)
    quarters = int((as_of.month - 1) // 3 + 1) if as_of.year == ctx.inputs.year else 4
    duties = ctx.inputs.duties.drop_duplicates(["unit_id", "duty"])
    records = ctx.inputs.duty_records
    records = records[records["recorded_on"] <= as_of]
    cells = records.assign(quarter=records["recorded_on"].dt.quarter)[["unit_id", "duty", "quarter"]]
    cells = cells.drop_duplicates().merge(duties, on=["unit_id", "duty"], how="inner")
    owed = _count_by(duties, "unit_id", ctx.ids) * quarters
    kept = _count_by(cells, "unit_id", ctx.ids)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = kept / owed
    inputs = [
        {"duty_quarters": int(o), "duty_quarters_recorded": int(k)} for o, k in zip(owed, kept, strict=True)
    ]
    return _result(ctx.ids, value, owed > 0, inputs)


@dataclass(frozen=True)
class Measure:
    compute: Callable[[MeasureContext, dict], pd.DataFrame]
    label: str  # its English name (the 说明 is worded from the catalogs: assessment.measure.<key>)
    unit: str  # how the value reads: "share" (as %), "points" (percentage points), "count"
    groups: tuple[str, ...] = ("department", "township")


MEASURES: dict[str, Measure] = {
    "milestone_plan": Measure(measure_milestone_plan, "plan on time × elements", "share"),
    "milestone_platform_built": Measure(measure_milestone_platform_built, "platform built", "share"),
    "milestone_platform_interconnected": Measure(
        measure_milestone_platform_interconnected, "interconnection", "share"
    ),
    "adoption_rate": Measure(measure_adoption_rate, "adoption", "share"),
    "adoption_growth": Measure(measure_adoption_growth, "adoption growth", "points"),
    "active_rate": Measure(measure_active_rate, "active traceability", "share"),
    "check_plan_completion": Measure(measure_check_plan_completion, "checks done", "share", ("department",)),
    "publication_on_time": Measure(
        measure_publication_on_time, "published on time", "share", ("department",)
    ),
    "rectification_rate": Measure(measure_rectification_rate, "rectified", "share"),
    "check_obstruction_count": Measure(
        measure_check_obstruction_count, "obstructed or unreachable checks", "count", ("township",)
    ),
    "blacklist_alert_acts": Measure(
        measure_blacklist_alert_acts, "blacklist moves and alerts", "count", ("department",)
    ),
    "duty_coverage": Measure(measure_duty_coverage, "duties with a record", "share"),
    "duty_regularity": Measure(measure_duty_regularity, "duty-quarters with a record", "share"),
    "publicity_count": Measure(measure_publicity_count, "publicity activities", "count"),
    "reports_on_time": Measure(measure_reports_on_time, "reports on time", "share", ("township",)),
}
