"""Fast adoption counts: enterprise states at a run of dates, counted per group.

The same rules as :mod:`traceboard.metrics.adoption` (docs/adoption.md),
computed for many dates in one pass: events are sorted by day, so each date
only applies the events since the previous one, and groups are counted with
``np.bincount`` over integer keys built from the categorical codes. This is
what keeps the township × sector × year table of a million enterprises within
the time DuckDB takes for it (benchmarks/adoption.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from traceboard.data.frame import EVENT_CODES, RegisterFrame
from traceboard.metrics.active_traceability import ACTIVE_WINDOW_DAYS, uploaded_within
from traceboard.metrics.adoption import GROUPS, UnknownGroup

_ADOPTION = (EVENT_CODES["adopted"], EVENT_CODES["dropped"])
_CONNECTION = (EVENT_CODES["connected"], EVENT_CODES["disconnected"])
# total: in operation; active: uploaded within the window (active traceability);
# declared_active: adopted and active (the cross-table's first cell)
COUNTS = ("total", "adopted", "connected", "active", "declared_active")


def check_groups(by: Sequence[str]) -> list[str]:
    """``by`` as a list, or :class:`UnknownGroup` naming the first unknown or repeated name."""
    for i, group in enumerate(by):
        if group not in GROUPS:
            raise UnknownGroup(f"unknown group {group!r}; choose from {', '.join(GROUPS)}")
        if group in by[:i]:
            raise UnknownGroup(f"group {group!r} is named twice")
    return list(by)


def _apply_events(state: np.ndarray, pos: np.ndarray, kind: np.ndarray, on: int, off: int) -> None:
    """Set ``state[p]`` to "last event of the pair is ``on``" for the events given (in day order)."""
    sel = (kind == on) | (kind == off)
    if not sel.any():
        return
    p, k = pos[sel][::-1], kind[sel][::-1]  # reversed: np.unique's first index is the last event
    uniq, first = np.unique(p, return_index=True)
    state[uniq] = k[first] == on


def iter_states(
    frame: RegisterFrame, days: Sequence[int], window: int = ACTIVE_WINDOW_DAYS
) -> Iterator[tuple[np.ndarray, ...]]:
    """For each day (ascending): ``(in operation, adopted, connected, uploading)`` boolean arrays.

    The first three mean what :func:`traceboard.metrics.adoption.adoption_state`
    calls active, adopted, connected (one pass over the events); ``uploading``
    is active traceability (:func:`~traceboard.metrics.active_traceability.uploaded_within`)
    of the enterprises in operation.
    """
    ent, ev = frame.enterprises, frame.events
    registered, closed = ent["registered"].to_numpy(), ent["closed"].to_numpy()
    ev_day, pos, kind = ev["day"].to_numpy(), ev["pos"].to_numpy(), ev["kind"].to_numpy()
    adopted, connected = np.zeros(len(ent), bool), np.zeros(len(ent), bool)
    start = 0
    for day in days:
        stop = int(np.searchsorted(ev_day, day, side="right"))
        if stop < start:
            raise ValueError("days must be ascending")
        _apply_events(adopted, pos[start:stop], kind[start:stop], *_ADOPTION)
        _apply_events(connected, pos[start:stop], kind[start:stop], *_CONNECTION)
        start = stop
        active = (registered <= day) & (closed > day)
        uploading = uploaded_within(frame.uploads, len(ent), day, window) & active
        yield active, adopted & active, connected & adopted & active, uploading


def group_keys(frame: RegisterFrame, by: Sequence[str]) -> tuple[np.ndarray, list[pd.Index]]:
    """An integer key per enterprise for the groups ``by`` (-1: a group missing) and each group's categories.

    Keys run over every combination of the categories (mixed radix, last group fastest).
    """
    ent = frame.enterprises
    key = np.zeros(len(ent), np.int64)
    missing = np.zeros(len(ent), bool)
    for group in by:
        cat = ent[group].cat
        codes = cat.codes.to_numpy()
        missing |= codes < 0
        key = key * len(cat.categories) + codes
    key[missing] = -1
    return key, [ent[g].cat.categories for g in by]


def count_groups(
    key: np.ndarray, size: int, states: tuple[np.ndarray, ...], mask: np.ndarray | None
) -> np.ndarray:
    """``(size, 5)`` counts of :data:`COUNTS` per key (enterprises outside ``mask`` left out)."""
    active, adopted, connected, uploading = states
    keep = active & (key >= 0) if mask is None else active & (key >= 0) & mask
    flags = (keep, adopted, connected, uploading, adopted & uploading)
    return np.column_stack([np.bincount(key[keep & flag], minlength=size) for flag in flags])


def counts_table(by: Sequence[str], cats: list[pd.Index], counts: np.ndarray) -> pd.DataFrame:
    """Group columns (categoricals in the frame's category order) then the :data:`COUNTS`."""
    table = pd.DataFrame(counts, columns=list(COUNTS))
    shape = tuple(len(c) for c in cats)
    groups = np.unravel_index(np.arange(len(table)), shape) if by else ()  # no groups: one row of totals
    for i, (name, codes) in enumerate(zip(by, groups, strict=True)):
        table.insert(i, name, pd.Categorical.from_codes(codes, categories=cats[i]))
    return table


def count_adoption_over_days(
    frame: RegisterFrame,
    by: Sequence[str],
    days: Sequence[int],
    mask: np.ndarray | None = None,
    window: int = ACTIVE_WINDOW_DAYS,
) -> pd.DataFrame:
    """Counts per group at each day: the group columns, ``day``, then :data:`COUNTS`.

    Input: the frame, groups from ``GROUPS``, ascending day numbers, an
    optional boolean mask over the enterprises (a scope: a department, a
    sector). Output: one row per day and combination of the groups'
    categories (groups without enterprises included, with zeros), days in
    the given order, groups in category order.
    """
    by = check_groups(by)
    key, cats = group_keys(frame, by)
    size = int(np.prod([len(c) for c in cats]))
    parts = []
    for day, states in zip(days, iter_states(frame, days, window), strict=True):
        part = counts_table(by, cats, count_groups(key, size, states, mask))
        part.insert(len(by), "day", np.int32(day))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
