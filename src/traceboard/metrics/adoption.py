"""Adoption of IT-based traceability: who has adopted and connected, at any date.

Rules (docs/adoption.md): an enterprise is *active* at a date when it was
registered on or before it (unknown registration counts as before any date)
and not closed by then; it has *adopted* when its last adoption/drop event on
or before the date is an adoption, and is *connected* likewise for
connection/disconnection events. A group's rate is adopted ÷ active, with its
95 % Wilson interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.data.frame import EVENT_CODES, RegisterFrame
from traceboard.metrics.stats import wilson_interval

GROUPS = ("township", "department", "sector", "subcategory")
_ADOPTION = (EVENT_CODES["adopted"], EVENT_CODES["dropped"])
_CONNECTION = (EVENT_CODES["connected"], EVENT_CODES["disconnected"])


class UnknownGroup(ValueError):
    """A grouping that is not one of :data:`GROUPS`."""


def _last_state(events: pd.DataFrame, n: int, on: int, off: int) -> np.ndarray:
    """Boolean per enterprise: is its last ``on``/``off`` event an ``on``?"""
    pair = events[(events["kind"] == on) | (events["kind"] == off)]
    state = np.zeros(n, dtype=bool)
    if pair.empty:
        return state
    pos = pair["pos"].to_numpy()[::-1]  # reversed, so np.unique's first index is the last event
    _, first = np.unique(pos, return_index=True)
    state[pos[first]] = pair["kind"].to_numpy()[::-1][first] == on
    return state


def adoption_state(frame: RegisterFrame, day: int) -> pd.DataFrame:
    """Per enterprise at day number ``day``: ``active``, ``adopted``, ``connected`` (booleans).

    Input: the register frame and an int day (see ``traceboard.data.frame.to_day``).
    Output: a DataFrame aligned with ``frame.enterprises`` (same row order).
    """
    ent = frame.enterprises
    events = frame.events
    upto = events.iloc[: int(np.searchsorted(events["day"].to_numpy(), day, side="right"))]
    active = (ent["registered"].to_numpy() <= day) & (ent["closed"].to_numpy() > day)
    adopted = _last_state(upto, len(ent), *_ADOPTION) & active
    connected = _last_state(upto, len(ent), *_CONNECTION) & adopted
    return pd.DataFrame({"active": active, "adopted": adopted, "connected": connected})


def compute_adoption(
    frame: RegisterFrame, by: list[str] | tuple[str, ...], day: int, state: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Adoption per group at day ``day``.

    Input: the frame, group names from :data:`GROUPS` (possibly none: one
    total row), a day number, and optionally ``adoption_state(frame, day)`` already computed
    (a caller grouping the same day several ways computes the state once). Output: one row per
    group present in the reference (groups with no enterprise included, with total 0), columns:
    the group columns, ``total, adopted, rate, ci_low, ci_high, connected,
    connected_rate``.
    """
    unknown = [g for g in by if g not in GROUPS]
    if unknown:
        raise UnknownGroup(f"unknown group {unknown[0]!r}; choose from {', '.join(GROUPS)}")
    if state is None:
        state = adoption_state(frame, day)
    data = pd.concat([frame.enterprises[list(by)], state.astype(np.int64)], axis=1)
    data = data[state["active"].to_numpy()]
    if by:
        table = data.groupby(list(by), observed=False, sort=True)[["active", "adopted", "connected"]].sum()
        table = table.reset_index()
    else:
        table = data[["active", "adopted", "connected"]].sum().to_frame().T
    table = table.rename(columns={"active": "total"})
    return _with_rates(table, list(by))


def _with_rates(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rates and Wilson intervals of the counts; with ``active`` counts (feeds), the active columns too."""
    total = table["total"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = table["adopted"].to_numpy() / total
        connected_rate = table["connected"].to_numpy() / total
    low, high = wilson_interval(table["adopted"].to_numpy(), total)
    out = table[by].copy()
    out["total"] = total.astype(np.int64)
    out["adopted"] = table["adopted"].to_numpy().astype(np.int64)
    out["rate"] = np.where(total > 0, rate, np.nan)
    out["ci_low"], out["ci_high"] = low, high
    out["connected"] = table["connected"].to_numpy().astype(np.int64)
    out["connected_rate"] = np.where(total > 0, connected_rate, np.nan)
    if "active" in table.columns:
        active = table["active"].to_numpy().astype(np.int64)
        declared_active = table["declared_active"].to_numpy().astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["active"] = active
            out["active_rate"] = np.where(total > 0, active / total, np.nan)
        out["active_ci_low"], out["active_ci_high"] = wilson_interval(active, total)
        out["declared_active"] = declared_active
        out["declared_silent"] = out["adopted"].to_numpy() - declared_active
        out["undeclared_active"] = active - declared_active
    return out.reset_index(drop=True)
