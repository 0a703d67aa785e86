"""Adoption against targets: gap, change over a year, trend, work list, tile map.

Rules: docs/adoption.md. A group's target is its sector's
target for the year of the date (``config/targets.toml``, the office's
assumptions); a group spanning several sectors (a township, a department)
gets the sectors' targets weighted by its active enterprises in each. The
gap is ``target − rate``: positive is a shortfall, negative is ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from traceboard.data.frame import ALWAYS, RegisterFrame, from_day, to_day
from traceboard.metrics.active_traceability import ACTIVE_WINDOW_DAYS, last_upload_days, uploaded_within
from traceboard.metrics.adoption import _with_rates, adoption_state
from traceboard.metrics.adoption_counts import COUNTS, AdoptionStates, check_groups, count_adoption_over_days

FIRST_TREND_YEAR = 2016


class DateOutOfRange(ValueError):
    """A date before any data of the register (or a register with no data at all)."""


def check_day(frame: RegisterFrame, day: int) -> int:
    """``day``, or :class:`DateOutOfRange` when it lies before the register's first date.

    The first date is the earliest traceability event or known registration.
    """
    known = frame.enterprises["registered"].to_numpy()
    known = known[known != ALWAYS]
    starts = [d for d in (frame.first_day, int(known.min()) if len(known) else None) if d is not None]
    if not starts:
        raise DateOutOfRange("the register holds no enterprises with dates yet")
    if day < min(starts):
        first = from_day(min(starts)).isoformat()
        raise DateOutOfRange(f"{from_day(day).isoformat()} is before any data (the first is {first})")
    return day


def scope_mask(
    frame: RegisterFrame, sector: str | None = None, department: str | None = None
) -> np.ndarray | None:
    """Boolean mask of the enterprises of a sector and/or supervised by a department (None: all)."""
    if sector is None and department is None:
        return None
    ent = frame.enterprises
    mask = np.ones(len(ent), bool)
    if sector is not None:
        mask &= (ent["sector"] == sector).to_numpy()
    if department is not None:
        mask &= (ent["department"] == department).to_numpy()
    return mask


def target_matrix(
    frame: RegisterFrame, targets: pd.DataFrame, years: Sequence[int], kind: str = "adoption"
) -> pd.DataFrame:
    """Targets as years × sector names: each listed year's, else the latest earlier one; NaN before any."""
    wide = targets[targets["kind"] == kind].pivot(index="year", columns="sector", values="target")
    wide = wide.reindex(wide.index.union(pd.Index(years))).sort_index().ffill().reindex(list(years))
    names = frame.sectors.set_index("code")["name"]
    return pd.DataFrame(
        wide.reindex(columns=names.index).to_numpy(), index=list(years), columns=names.to_numpy()
    )


def sector_targets(
    frame: RegisterFrame, targets: pd.DataFrame, year: int, kind: str = "adoption"
) -> pd.Series:
    """Target per sector name for ``year``: the listed year's, or the latest earlier one; NaN before any."""
    return target_matrix(frame, targets, [year], kind).iloc[0].rename(None).astype(float)


def _years(days) -> np.ndarray:
    """Calendar years of day numbers."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _with_targets(counts: pd.DataFrame, by: list[str], matrix: pd.DataFrame) -> pd.DataFrame:
    """Sum sector-level ``counts`` up to ``by`` (+ day), with the enterprise-weighted target.

    ``matrix``: :func:`target_matrix` over (at least) the years of the counts' days.
    """
    rows = matrix.index.get_indexer(_years(counts["day"]))
    cols = matrix.columns.get_indexer(counts["sector"].cat.categories)[counts["sector"].cat.codes.to_numpy()]
    sector_target = matrix.to_numpy()[rows, cols]
    known = ~np.isnan(sector_target)
    counts = counts.assign(
        _t=sector_target,
        _tn=np.where(known, sector_target, 0) * counts["total"],
        _tw=np.where(known, counts["total"], 0),
        _has=known,
    )
    keys = [*by, "day"]
    columns = [*COUNTS, "_tn", "_tw", "_has"]
    summed = counts.groupby(keys, observed=True, sort=False)[columns].sum()
    if "sector" in by:
        target = counts.groupby(keys, observed=True, sort=False)["_t"].first()
    else:  # weighted over the enterprises of sectors that have a target
        target = (summed["_tn"] / summed["_tw"].where(summed["_tw"] > 0)).where(summed["_has"] > 0)
    summed = summed.drop(columns=["_tn", "_tw", "_has"]).reset_index()
    summed["target"] = target.to_numpy()
    return summed


def _rates_from_counts(counts: pd.DataFrame, by: list[str], matrix: pd.DataFrame) -> pd.DataFrame:
    """Rates, intervals, targets, gaps per ``by`` and day, from counts at a grain with ``by`` and sector."""
    table = _with_targets(counts, by, matrix)
    out = _with_rates(table, [*by, "day"])
    out["target"] = table["target"].to_numpy()
    out["gap"] = out["target"] - out["rate"]
    return out


def _table_at_days(
    frame, by, days, targets, mask, window: int = ACTIVE_WINDOW_DAYS, states: AdoptionStates | None = None
) -> pd.DataFrame:
    by = check_groups(by)
    grain = by if "sector" in by else [*by, "sector"]
    matrix = target_matrix(frame, targets, sorted(set(_years(days).tolist())))
    counts = count_adoption_over_days(frame, grain, days, mask, window, states)
    return _rates_from_counts(counts, by, matrix)


def _with_change(both: pd.DataFrame, before_day: int, day: int) -> pd.DataFrame:
    """The rows of ``day`` with ``rate_year_ago`` (from the rows of ``before_day``) and ``change``."""
    before = both[both["day"] == before_day].reset_index(drop=True)
    now = both[both["day"] == day].drop(columns="day").reset_index(drop=True)
    now["rate_year_ago"] = before["rate"].to_numpy()
    now["change"] = now["rate"] - now["rate_year_ago"]
    return now


def adoption_table(
    frame: RegisterFrame,
    by: Sequence[str],
    day: int,
    targets: pd.DataFrame,
    mask: np.ndarray | None = None,
    window: int = ACTIVE_WINDOW_DAYS,
    states: AdoptionStates | None = None,
) -> pd.DataFrame:
    """Adoption per group at ``day`` against the targets.

    Input: the frame, groups from ``GROUPS`` (none: one total row), a day
    number, the targets (``data.adoption_targets.load_targets``), an optional
    scope mask (:func:`scope_mask`), the active window in days. Output: the
    group columns, then ``total, adopted, rate, ci_low, ci_high, connected,
    connected_rate, active, active_rate, active_ci_low, active_ci_high,
    declared_active, declared_silent, undeclared_active, target, gap``; one
    row per combination of the groups' categories (empty ones included).
    ``states``: the frame's kept :class:`~traceboard.metrics.adoption_counts.AdoptionStates`.
    """
    return _table_at_days(frame, by, [day], targets, mask, window, states).drop(columns="day")


def year_earlier(day: int) -> int:
    """The same date a year earlier (29 February → 28 February)."""
    date = from_day(day)
    return to_day(date.replace(year=date.year - 1, day=min(date.day, 28 if date.month == 2 else date.day)))


def adoption_with_change(
    frame: RegisterFrame, by: Sequence[str], day: int, targets: pd.DataFrame, mask: np.ndarray | None = None
) -> pd.DataFrame:
    """:func:`adoption_table` plus ``rate_year_ago`` and ``change`` (rate − rate a year earlier)."""
    ago = year_earlier(day)
    return _with_change(_table_at_days(frame, by, [ago, day], targets, mask), ago, day)


def trend_table(
    frame: RegisterFrame,
    by: Sequence[str],
    day: int,
    targets: pd.DataFrame,
    mask: np.ndarray | None = None,
    first_year: int = FIRST_TREND_YEAR,
    window: int = ACTIVE_WINDOW_DAYS,
) -> pd.DataFrame:
    """Year-by-year adoption: each year end from ``first_year``, and ``day`` itself for its own year.

    Output: ``year`` first, then the columns of :func:`adoption_table` and
    ``day``; rows by year, then group (township × sector × year with
    ``by=["township", "sector"]``).
    """
    last = from_day(day).year
    days = [to_day(dt.date(y, 12, 31)) for y in range(first_year, last)] + [day]
    table = _table_at_days(frame, by, days, targets, mask, window)
    table.insert(0, "year", _years(table["day"]))
    return table


WORK_REASONS = ("not_adopted", "silent")


def work_list(
    frame: RegisterFrame,
    township: str,
    day: int,
    mask: np.ndarray | None = None,
    window: int = ACTIVE_WINDOW_DAYS,
    states: AdoptionStates | None = None,
) -> pd.DataFrame:
    """The township office's work list at ``day``: enterprises in operation that need a visit.

    Two reasons (``reason``, from :data:`WORK_REASONS`): ``not_adopted`` (no
    declared adoption) and ``silent`` (declared adoption, but no upload to any
    platform within the active window). Output columns: ``uscc, name, sector,
    subcategory, department, registered`` (date or None), ``reason``,
    ``last_upload`` (date or None), sorted by reason, sector, subcategory, name.
    Silence is judged only from the first day any feed reached the record:
    before it (or without feeds) there is no evidence either way. ``states``: the frame's kept
    :class:`~traceboard.metrics.adoption_counts.AdoptionStates` (the page's), else one pass over
    the events.
    """
    state = adoption_state(frame, day) if states is None else states.state_frame(frame, day)
    ent = frame.enterprises
    in_town = (ent["township"] == township).to_numpy() & state["active"].to_numpy()
    if mask is not None:
        in_town &= mask
    adopted = state["adopted"].to_numpy()
    feeds = frame.uploads["day"].to_numpy()
    judged = len(feeds) > 0 and int(feeds[0]) <= day
    silent = adopted & ~uploaded_within(frame.uploads, len(ent), day, window) & judged
    keep = in_town & (~adopted | silent)
    rows = ent.loc[keep, ["uscc", "name", "sector", "subcategory", "department", "registered"]]
    last = last_upload_days(frame.uploads, keep, day)
    rows = rows.assign(
        registered=_dates(rows["registered"].to_numpy()),
        reason=pd.Categorical(np.where(adopted[keep], "silent", "not_adopted"), categories=WORK_REASONS),
        last_upload=_dates(last),
    )
    return rows.sort_values(["reason", "sector", "subcategory", "name"], ignore_index=True)


def _dates(days: np.ndarray) -> np.ndarray | list:
    """Day numbers as dates (objects), None where ALWAYS (not known): what :func:`from_day` gives
    of each, turned in one pass instead of one call per row (none: an empty list, which pandas
    makes a float column of, as the work list always had)."""
    if not len(days):
        return []
    out = np.full(len(days), None, dtype=object)
    known = days != ALWAYS
    out[known] = days[known].astype("datetime64[D]").astype(object)
    return out


def tile_table(frame: RegisterFrame, by_township: pd.DataFrame) -> pd.DataFrame:
    """Township rows of an adoption table placed on the tile map (``map_row``, ``map_col``, short name)."""
    units = frame.townships[["name", "short_name", "map_row", "map_col"]].rename(columns={"name": "township"})
    table = by_township.assign(township=by_township["township"].astype(object))
    return units.merge(table, on="township", how="left")


@dataclass(frozen=True)
class AdoptionView:
    """Everything the 追溯覆盖率 page shows for one date and scope.

    ``total``: the one-row :func:`adoption_with_change` of the scope;
    ``connection_target``: the scope's enterprise-weighted connection target;
    ``by_township`` (with change), ``by_township_sector``: :func:`adoption_table`;
    ``trend``: :func:`trend_table` by sector; ``tiles``: :func:`tile_table`.
    """

    total: pd.Series
    connection_target: float
    by_township: pd.DataFrame
    by_township_sector: pd.DataFrame
    trend: pd.DataFrame
    tiles: pd.DataFrame


def prepare_adoption_view(
    frame: RegisterFrame,
    day: int,
    targets: pd.DataFrame,
    sector: str | None = None,
    department: str | None = None,
    window: int = ACTIVE_WINDOW_DAYS,
    states: AdoptionStates | None = None,
) -> AdoptionView:
    """The page's tables at ``day`` for the enterprises of ``sector`` / ``department`` (None: all).

    One pass over the events counts township × sector at every date the page
    needs (year ends, the date a year earlier, the date); every table is summed
    from those counts, so the page costs about one trend table. ``states``: the frame's kept
    :class:`~traceboard.metrics.adoption_counts.AdoptionStates` (the year ends other pages
    also count at), else one pass over the events.
    """
    mask = scope_mask(frame, sector, department)
    ago = year_earlier(day)
    ends = [to_day(dt.date(y, 12, 31)) for y in range(FIRST_TREND_YEAR, from_day(day).year)]
    days = sorted({*ends, ago, day})
    fine = count_adoption_over_days(frame, ["township", "sector"], days, mask, window, states)
    matrix = target_matrix(frame, targets, sorted(set(_years(days).tolist())))

    def table(by: list[str], days: list[int]) -> pd.DataFrame:
        return _rates_from_counts(fine[fine["day"].isin(days)], by, matrix)

    by_township = _with_change(table(["township"], [ago, day]), ago, day)
    trend = table(["sector"], [*ends, day])
    trend.insert(0, "year", _years(trend["day"]))
    return AdoptionView(
        total=_with_change(table([], [ago, day]), ago, day).iloc[0],
        # the sectors at the date: the trend's last year (the same sums, not made again)
        connection_target=_connection_target(frame, targets, trend[trend["day"] == day], day),
        by_township=by_township,
        by_township_sector=table(["township", "sector"], [day]).drop(columns="day"),
        trend=trend,
        tiles=tile_table(frame, by_township),
    )


def _connection_target(
    frame: RegisterFrame, targets: pd.DataFrame, by_sector: pd.DataFrame, day: int
) -> float:
    """The sectors' connection targets weighted by their active enterprises (NaN when none apply)."""
    goal = sector_targets(frame, targets, from_day(day).year, "connection")
    goal = goal.reindex(by_sector["sector"].astype(object)).to_numpy()
    weights = by_sector["total"].to_numpy()
    known = ~np.isnan(goal) & (weights > 0)
    return float(np.average(goal[known], weights=weights[known])) if known.any() else np.nan
