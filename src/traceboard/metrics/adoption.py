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

from traceboard.data.frame import EVENT_CODES, RegisterFrame, day_position
from traceboard.metrics.stats import wilson_interval

GROUPS = ("township", "department", "sector", "subcategory")
_ADOPTION = (EVENT_CODES["adopted"], EVENT_CODES["dropped"])
_CONNECTION = (EVENT_CODES["connected"], EVENT_CODES["disconnected"])


class UnknownGroup(ValueError):
    """A grouping that is not one of :data:`GROUPS`."""


def _last_state(events: pd.DataFrame, n: int, on: int, off: int) -> np.ndarray:
    """Boolean per enterprise: is its last ``on``/``off`` event an ``on``?

    The last event of each enterprise is its greatest position among the pair's events (a
    ``maximum.at`` over them, in one pass: no sort of the million events' positions)."""
    kind = events["kind"].to_numpy()
    pair = (kind == on) | (kind == off)
    state = np.zeros(n, dtype=bool)
    if not pair.any():
        return state
    pos = events["pos"].to_numpy()[pair]
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, pos, np.arange(len(pos), dtype=np.int64))
    seen = last >= 0
    state[seen] = kind[pair][last[seen]] == on
    return state


def adoption_state(frame: RegisterFrame, day: int) -> pd.DataFrame:
    """Per enterprise at day number ``day``: ``active``, ``adopted``, ``connected`` (booleans).

    Input: the register frame and an int day (see ``traceboard.data.frame.to_day``).
    Output: a DataFrame aligned with ``frame.enterprises`` (same row order).
    """
    ent = frame.enterprises
    events = frame.events
    upto = events.iloc[: day_position(events["day"].to_numpy(), day)]
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
    table = _counted(frame.enterprises, list(by), state)
    if table is None:  # a group column that is not categorical: grouped the general way
        data = pd.concat([frame.enterprises[list(by)], state.astype(np.int64)], axis=1)
        data = data[state["active"].to_numpy()]
        table = data.groupby(list(by), observed=False, sort=True)[["active", "adopted", "connected"]].sum()
        table = table.reset_index()
    table = table.rename(columns={"active": "total"})
    return _with_rates(table, list(by))


def _counted(enterprises: pd.DataFrame, by: list[str], state: pd.DataFrame) -> pd.DataFrame | None:
    """Active, adopted and connected enterprises per combination of the ``by`` categories (every
    combination, in category order, the first column slowest: what a group-by of the categoricals
    with ``observed=False`` makes), counted by one ``bincount`` of the combined category codes and
    states instead of a copy and a group-by of the million rows; None when a column is not
    categorical. Without ``by``: one row of totals."""
    columns = [enterprises[g] for g in by]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        return None
    keep = state["active"].to_numpy().copy()
    sizes = [len(c.cat.categories) for c in columns]
    key = np.zeros(len(keep), dtype=np.int64)
    for column, size in zip(columns, sizes, strict=True):
        codes = column.cat.codes.to_numpy()
        keep &= codes >= 0  # an enterprise without the category is in no group
        key = key * size + codes
    cells = int(np.prod(sizes))  # 1 without ``by``
    # each cell's four states (adopted, connected: 00, 01, 10, 11); the inactive in a last bin
    adopted, connected = state["adopted"].to_numpy(), state["connected"].to_numpy()
    key = np.where(keep, key * 4 + adopted * 2 + connected, 4 * cells)
    counts = np.bincount(key, minlength=4 * cells + 1)[: 4 * cells].reshape(cells, 4).astype(np.int64)
    groups = np.unravel_index(np.arange(cells), sizes) if by else ()
    return pd.DataFrame(
        {
            g: pd.Categorical.from_codes(codes, dtype=c.dtype)
            for g, c, codes in zip(by, columns, groups, strict=True)
        }
        | {
            "active": counts.sum(axis=1),
            "adopted": counts[:, 2] + counts[:, 3],
            "connected": counts[:, 1] + counts[:, 3],
        }
    )


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
