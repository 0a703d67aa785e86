"""Fast adoption counts: enterprise states at a run of dates, counted per group.

The same rules as :mod:`traceboard.metrics.adoption` (docs/adoption.md),
computed for many dates in one pass: events are sorted by day, so each date
only applies the events since the previous one, and groups are counted with
``np.bincount`` over integer keys built from the categorical codes. This is
what keeps the township × sector × year table of a million enterprises within
the time DuckDB takes for it (benchmarks/adoption.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from traceboard.data.frame import EVENT_CODES, RegisterFrame, day_position, from_day
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


def _scratch(frame: RegisterFrame) -> np.ndarray:
    """Room for an event's index per enterprise, for :func:`_apply_events` to reuse."""
    return np.empty(len(frame.enterprises), np.int32 if len(frame.events) < 2**31 else np.int64)


def _apply_events(
    state: np.ndarray, pos: np.ndarray, kind: np.ndarray, on: int, off: int, last: np.ndarray
) -> None:
    """Set ``state[p]`` to "last event of the pair is ``on``" for the events given (in day order).

    ``last``: :func:`_scratch`, whatever it holds (the same one for every call of a pass: memory
    new to the process costs a page fault at each first touch, more than the work itself).
    """
    sel = (kind == on) | (kind == off)
    if not sel.any():
        return
    p, k = pos[sel], kind[sel]
    # each enterprise's last event: the greatest index among its events, by a maximum.at over
    # them; only the enterprises with events are touched (no pass over every enterprise, no sort)
    last[p] = -1
    np.maximum.at(last, p, np.arange(len(p), dtype=last.dtype))
    state[p] = k[last[p]] == on  # an enterprise's events all write the same value


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
    last = _scratch(frame)
    start = 0
    for day in days:
        stop = day_position(ev_day, day)
        if stop < start:
            raise ValueError("days must be ascending")
        _apply_events(adopted, pos[start:stop], kind[start:stop], *_ADOPTION, last)
        _apply_events(connected, pos[start:stop], kind[start:stop], *_CONNECTION, last)
        start = stop
        active = (registered <= day) & (closed > day)
        uploading = uploaded_within(frame.uploads, len(ent), day, window) & active
        yield active, adopted & active, connected & adopted & active, uploading


class AdoptionStates:
    """The enterprises' adoption at days of one frame content, each day worked out once and kept.

    The pages that count adoption at year ends (追溯覆盖率's trend, 任务进度's goals and ranks,
    年度考核's years) ask for the same days: one object per frame content (the dashboard keeps
    it by ``content_stamp``, docs/frame.md) holds each day's last adoption and connection event
    per enterprise, packed to a bit each, so that a day asked for again costs no pass over the
    events, and a new day applies only the events since the nearest earlier day kept. The year
    ends (31 December) stay; of other days (a date picked on a page) the newest
    :attr:`OTHER_DAYS` stay. In operation and uploading are worked out on each request (a few
    comparisons; the uploading one depends on the window). Results equal :func:`iter_states` and
    :func:`traceboard.metrics.adoption.adoption_state` (the last event of each pair wins, however
    the events are split into runs). Safe to share between sessions (a lock).
    """

    OTHER_DAYS = 8

    def __init__(self, frame: RegisterFrame) -> None:
        self.content_stamp = frame.content_stamp
        self._n = len(frame.enterprises)
        # day → (events applied up to, packed "last adoption event is an adoption",
        #        packed "last connection event is a connection"), before the in-operation mask
        self._kept: dict[int, tuple[int, np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()
        self._last: np.ndarray | None = None  # _apply_events' room, used with the lock held

    def _events_state(self, frame: RegisterFrame, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Unmasked adopted and connected flags at ``day`` (the lock held)."""
        kept = self._kept.get(day)
        if kept is None:
            ev = frame.events
            ev_day, pos, kind = ev["day"].to_numpy(), ev["pos"].to_numpy(), ev["kind"].to_numpy()
            stop = day_position(ev_day, day)
            earlier = [d for d in self._kept if d < day]
            if earlier:
                start, adopted, connected = self._kept[max(earlier)]
                adopted, connected = _unpacked(adopted, self._n), _unpacked(connected, self._n)
            else:
                start, adopted, connected = 0, np.zeros(self._n, bool), np.zeros(self._n, bool)
            if self._last is None:
                self._last = _scratch(frame)
            _apply_events(adopted, pos[start:stop], kind[start:stop], *_ADOPTION, self._last)
            _apply_events(connected, pos[start:stop], kind[start:stop], *_CONNECTION, self._last)
            self._kept[day] = (stop, np.packbits(adopted), np.packbits(connected))
            self._forget_others()
            return adopted, connected
        return _unpacked(kept[1], self._n), _unpacked(kept[2], self._n)

    def _forget_others(self) -> None:
        others = [d for d in self._kept if not _is_year_end(d)]  # in the order they were kept
        for day in others[: max(0, len(others) - self.OTHER_DAYS)]:
            del self._kept[day]

    def _check(self, frame: RegisterFrame) -> None:
        if frame.content_stamp != self.content_stamp or len(frame.enterprises) != self._n:
            raise ValueError("these adoption states belong to another content of the frame")

    def states(
        self, frame: RegisterFrame, days: Sequence[int], window: int = ACTIVE_WINDOW_DAYS
    ) -> list[tuple[np.ndarray, ...]]:
        """For each of ``days`` (any order): what :func:`iter_states` yields for it."""
        self._check(frame)
        ent = frame.enterprises
        registered, closed = ent["registered"].to_numpy(), ent["closed"].to_numpy()
        out = []
        for day in days:
            with self._lock:
                adopted, connected = self._events_state(frame, int(day))
            active = (registered <= day) & (closed > day)
            uploading = uploaded_within(frame.uploads, len(ent), day, window) & active
            out.append((active, adopted & active, connected & adopted & active, uploading))
        return out

    def state_frame(self, frame: RegisterFrame, day: int) -> pd.DataFrame:
        """What :func:`traceboard.metrics.adoption.adoption_state` gives for ``day``."""
        self._check(frame)
        ent = frame.enterprises
        with self._lock:
            adopted, connected = self._events_state(frame, int(day))
        active = (ent["registered"].to_numpy() <= day) & (ent["closed"].to_numpy() > day)
        adopted &= active
        return pd.DataFrame({"active": active, "adopted": adopted, "connected": connected & adopted})


def _is_year_end(day: int) -> bool:
    date = from_day(day)
    return (date.month, date.day) == (12, 31)


def _unpacked(bits: np.ndarray, n: int) -> np.ndarray:
    return np.unpackbits(bits, count=n).view(bool)  # 0 and 1 bytes: a boolean view, no copy


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


def _first_bins(key: np.ndarray, size: int, mask: np.ndarray | None) -> np.ndarray:
    """Each enterprise's first bin among ``size × 16`` (its key's 16 bins, one per set of its four
    flags); an enterprise in no group or outside ``mask`` gets the 16 spare bins past them."""
    counted = key >= 0 if mask is None else (key >= 0) & mask
    return np.where(counted, key * 16, size * 16)


# the flag patterns (in operation 1, adopted 2, connected 4, uploading 8) each count takes: in
# operation and, but for the total, the flags it counts (declared_active: adopted and uploading)
_PATTERNS = np.arange(16)
_WANTED = tuple(_PATTERNS & want == want for want in (1, 1 | 2, 1 | 4, 1 | 8, 1 | 2 | 8))


def _count_bins(first: np.ndarray, size: int, states: tuple[np.ndarray, ...]) -> np.ndarray:
    """``(size, 5)`` counts of :data:`COUNTS` per key at one day, from :func:`_first_bins`."""
    active, adopted, connected, uploading = (s.view(np.uint8) for s in states)
    # one count over (group, flags) pairs, then summed over the patterns each count wants: one
    # pass over a million enterprises, not five, and none to pick out those in operation
    flags = active | adopted << 1 | connected << 2 | uploading << 3
    by_flags = np.bincount(first + flags, minlength=size * 16 + 16)[: size * 16].reshape(size, 16)
    return np.column_stack([by_flags[:, w].sum(axis=1) for w in _WANTED])


def count_groups(
    key: np.ndarray, size: int, states: tuple[np.ndarray, ...], mask: np.ndarray | None
) -> np.ndarray:
    """``(size, 5)`` counts of :data:`COUNTS` per key (enterprises outside ``mask`` left out)."""
    return _count_bins(_first_bins(key, size, mask), size, states)


def count_adoption_over_days(
    frame: RegisterFrame,
    by: Sequence[str],
    days: Sequence[int],
    mask: np.ndarray | None = None,
    window: int = ACTIVE_WINDOW_DAYS,
    states: AdoptionStates | None = None,
) -> pd.DataFrame:
    """Counts per group at each day: the group columns, ``day``, then :data:`COUNTS`.

    Input: the frame, groups from ``GROUPS``, ascending day numbers, an
    optional boolean mask over the enterprises (a scope: a department, a
    sector). Output: one row per day and combination of the groups'
    categories (groups without enterprises included, with zeros), days in
    the given order, groups in category order. ``states``: the frame's kept
    :class:`AdoptionStates` (a page's), else one pass over the events.
    """
    by = check_groups(by)
    key, cats = group_keys(frame, by)
    size = int(np.prod([len(c) for c in cats]))
    if not len(days):
        raise ValueError("no days to count at")
    first = _first_bins(key, size, mask)
    at_days = iter_states(frame, days, window) if states is None else states.states(frame, days, window)
    counts = [_count_bins(first, size, state) for state in at_days]
    # one table for all the days (each day's rows: every combination of the categories in order)
    table = pd.DataFrame(np.concatenate(counts), columns=list(COUNTS))
    groups = np.unravel_index(np.tile(np.arange(size), len(days)), [len(c) for c in cats]) if by else ()
    for i, (name, codes) in enumerate(zip(by, groups, strict=True)):
        table.insert(i, name, pd.Categorical.from_codes(codes, categories=cats[i]))
    table.insert(len(by), "day", np.repeat(np.asarray(days, dtype=np.int32), size))
    return table
