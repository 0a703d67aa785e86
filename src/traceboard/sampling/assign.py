"""Inspector pairs for the drawn enterprises (docs/draw.md, "Inspectors").

For each drawn enterprise, in manifest order (strata in order, drawn codes in
key order), the inspectors of its pool (the plan's department, or in a one-off
draw the enterprise's supervising department) are put in the order of the
draw's spec (v1: by ``SHA-256("{seed}|inspector|{uscc}|{inspector_id}")``; v2 and v3:
a hash-driven shuffle, see :mod:`traceboard.sampling.spec`) and the first two
that fit are taken. An inspector fits when not recused (a declared conflict with the
enterprise, or — configurable, on by default — a home township equal to the
enterprise's) and below the pool's workload cap ``ceil(2k / n) + 1`` (k drawn
enterprises of the pool, n inspectors in it). No valid pair stops the draw.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import math
import struct
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from traceboard.i18n import Message
from traceboard.sampling.spec import SPEC_V1, check_spec, hashlib_key_digests, key_digests, rejected

_sha256 = hashlib.sha256
_UNPACK_WORDS = struct.Struct(">4Q").unpack  # a digest's four 64-bit big-endian words
_TWO64 = 2**64

PAIR = 2


class NoValidPair(ValueError):
    """No two inspectors fit a drawn enterprise: the message names it and says why."""


class Drawn(NamedTuple):
    """A drawn enterprise as the assignment needs it (a tuple: a draw makes tens of thousands)."""

    uscc: str
    pool: str
    township: str | None = None


def workload_cap(k: int, n: int) -> int:
    """Most checks one inspector may get: ``ceil(2k / n) + 1`` (n > 0)."""
    return math.ceil(PAIR * k / n) + 1


@dataclass(frozen=True)
class Recusals:
    """Who recuses from a drawn enterprise: declared conflicts and, when on, the home township."""

    conflicts: frozenset[tuple[str, int]] = frozenset()  # (uscc, inspector id)
    homes: Mapping[int, str] = field(default_factory=dict)  # inspector id → home township
    home_township: bool = True

    def reason(self, d: Drawn, inspector_id: int) -> str | None:
        """``"conflict"``, ``"home_township"`` or None (no recusal)."""
        if (d.uscc, inspector_id) in self.conflicts:
            return "conflict"
        if self.home_township and d.township is not None and self.homes.get(inspector_id) == d.township:
            return "home_township"
        return None

    def conflicts_of(self, uscc: str) -> frozenset[int] | None:
        """The inspectors with a declared conflict with ``uscc`` (None: none)."""
        return self._conflict_sets.get(uscc)

    def of(self, d: Drawn, members: Set[int]) -> dict[int, str]:
        """Every recusal from ``d`` among ``members`` (its pool): inspector id → reason, as :meth:`reason`."""
        out: dict[int, str] = {}
        if self.home_township and d.township is not None:
            out.update((i, "home_township") for i in self._by_home.get(d.township, ()) if i in members)
        out.update((i, "conflict") for i in self._by_code.get(d.uscc, ()) if i in members)
        return out

    @functools.cached_property
    def _by_code(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for uscc, inspector_id in self.conflicts:
            found.setdefault(uscc, []).append(inspector_id)
        return found

    @functools.cached_property
    def _conflict_sets(self) -> dict[str, frozenset[int]]:
        return {uscc: frozenset(ids) for uscc, ids in self._by_code.items()}

    @functools.cached_property
    def _by_home(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for inspector_id, town in self.homes.items():
            found.setdefault(town, []).append(inspector_id)
        return found


NO_RECUSALS = Recusals()


def _why(d: Drawn, pool: Sequence[int], recused: Mapping[int, str], full: list[int], cap: int) -> Message:
    conflict = sorted(i for i in pool if recused.get(i) == "conflict")
    home = sorted(i for i in pool if recused.get(i) == "home_township")

    def ids(found: list[int]) -> Message:
        return Message("refusals.ids", ids=tuple(found)) if found else Message("refusals.nobody")

    return Message(
        "refusals.no_valid_pair",
        uscc=d.uscc,
        pool=d.pool,
        active=len(pool),
        conflict=ids(conflict),
        township=d.township,
        home=ids(home),
        cap=cap,
        full=ids(sorted(full)),
    )


def assign_pairs(
    seed: str,
    drawn: Sequence[Drawn],
    pools: Mapping[str, Sequence[int]],
    recusals: Recusals = NO_RECUSALS,
    *,
    spec: str,
) -> list[dict]:
    """Two inspectors for every drawn enterprise, in order; raise :class:`NoValidPair` otherwise.

    Input: the drawn enterprises in manifest order, each pool's active
    inspector ids, the recusals, the spec. Output: one
    ``{"uscc", "pool", "inspectors": [id, id], "recused": [ids]}`` per drawn
    enterprise, in the same order. ``recused`` lists, in v1, every inspector of
    the pool who recuses; in v2, those passed over for a recusal before the pair
    was complete (all a verifier needs, and less personal data published).
    """
    per_pool = Counter(d.pool for d in drawn)
    caps = {p: workload_cap(k, len(pools[p])) if pools.get(p) else 0 for p, k in per_pool.items()}
    ordered = {p: sorted(int(i) for i in ids) for p, ids in pools.items()}
    prepared = {
        p: _Pool(ids, frozenset(ids), [(i, str(i).encode()) for i in ids]) for p, ids in ordered.items()
    }
    if check_spec(spec) != SPEC_V1:
        return _assign_shuffled(seed, drawn, prepared, caps, recusals)
    pick = _pick_by_key
    load: defaultdict[int, int] = defaultdict(int)  # checks so far per inspector
    out = []
    empty = _Pool([], frozenset(), [])
    for d in drawn:
        pool = prepared.get(d.pool, empty)
        cap = caps[d.pool]
        fits, recused = pick(seed, d, pool, recusals, load, cap)
        if len(fits) < PAIR:
            every = recusals.of(d, pool.members)
            full = [i for i in pool.ids if i not in every and load[i] >= cap]
            raise NoValidPair(_why(d, pool.ids, every, full, cap))
        for i in fits:
            load[i] += 1
        out.append({"uscc": d.uscc, "pool": d.pool, "inspectors": fits, "recused": recused})
    return out


class _Pool(NamedTuple):
    ids: list[int]  # ascending
    members: frozenset[int]
    encoded: list[tuple[int, bytes]]  # (id, id as text in UTF-8), for spec v1's keys


def _pick_by_key(
    seed: str, d: Drawn, pool: _Pool, recusals: Recusals, load: Mapping[int, int], cap: int
) -> tuple[list[int], list[int]]:
    """Spec v1: the first two inspectors in key order not recused and below the cap; every recusal (hot loop).

    The few smallest keys usually hold the pair (a heap selection, cheaper than
    sorting the pool); only when the cap rules them out is the whole pool sorted.
    """
    recused = recusals.of(d, pool.members)
    prefix = f"{seed}|inspector|{d.uscc}|".encode()
    sha = hashlib.sha256
    keyed = [(sha(prefix + b).digest(), i) for i, b in pool.encoded if i not in recused]
    head = heapq.nsmallest(PAIR + 2, keyed)
    fits = [i for _, i in head if load.get(i, 0) < cap][:PAIR]
    if len(fits) < PAIR and len(keyed) > len(head):
        fits = [i for _, i in sorted(keyed) if load.get(i, 0) < cap][:PAIR]
    return fits, sorted(recused)


_AHEAD = 4  # the words of one digest: the steps a walk's first hash drives


def _assign_shuffled(
    seed: str,
    drawn: Sequence[Drawn],
    prepared: Mapping[str, _Pool],
    caps: Mapping[str, int],
    recusals: Recusals,
) -> list[dict]:
    """Specs v2 and v3: for each drawn enterprise, the first two of its shuffled pool not recused and
    below the cap, and the recused passed over; :class:`NoValidPair` when no two fit.

    The hot loop of a draw (one walk per drawn enterprise, ~46,000 at a million). Nearly every walk
    ends within the four steps its first hash drives, and those do not depend on the pairs before
    it: :func:`_first_steps` works them out for all walks at once. The loop then, in manifest
    order, only applies the workload caps (which do depend on the pairs before). A walk the four
    steps do not serve — a declared conflict, a thrown-away word, a pool of fewer than four, no
    pair among the four — is walked whole by :func:`_walk` from its start: the same steps, so the
    same pair, as :func:`~traceboard.sampling.spec.shuffled_order` gives.
    """
    head = f"{seed}|inspector-order|"
    conflict_sets = recusals._conflict_sets
    homes = recusals.homes if recusals.home_township else None
    firsts, at_home = _first_steps(head, drawn, prepared, homes)
    load = dict.fromkeys((i for pool in prepared.values() for i in pool.ids), 0)  # checks so far
    bounds: dict[str, list[tuple[int, int]]] = {}  # per pool, as _walk needs them
    out: list[dict] = []
    for d, ahead, home in zip(drawn, firsts, at_home, strict=True):
        uscc, name, _town = d
        cap = caps[name]
        fits: list[int] = []
        recused: list[int] = []
        if ahead is not None and uscc not in conflict_sets:
            first, second = ahead[0], ahead[1]
            if not (home[0] or home[1]) and load[first] < cap and load[second] < cap:  # most walks
                load[first] += 1
                load[second] += 1
                out.append({"uscc": uscc, "pool": name, "inspectors": [first, second], "recused": recused})
                continue
            for chosen, recuses in zip(ahead, home, strict=True):
                if recuses:
                    recused.append(chosen)
                elif load[chosen] < cap:
                    fits.append(chosen)
                    if len(fits) == PAIR:
                        break
        if len(fits) < PAIR:
            pool = prepared.get(name, _EMPTY)
            if name not in bounds:
                bounds[name] = [(m, _TWO64 - _TWO64 % m) for m in range(len(pool.ids), 0, -1)]
            conflicts = conflict_sets.get(uscc)
            fits, recused = _walk(
                f"{head}{uscc}|".encode(), pool.ids, bounds[name], d, conflicts, homes, load, cap
            )
            if len(fits) < PAIR:
                every = recusals.of(d, pool.members)
                full = [i for i in pool.ids if i not in every and load.get(i, 0) >= cap]
                raise NoValidPair(_why(d, pool.ids, every, full, cap))
        for i in fits:
            load[i] += 1
        recused.sort()
        out.append({"uscc": uscc, "pool": name, "inspectors": fits, "recused": recused})
    return out


_EMPTY = _Pool([], frozenset(), [])


def _first_steps(
    head: str, drawn: Sequence[Drawn], prepared: Mapping[str, _Pool], homes: Mapping[int, str] | None
) -> tuple[list[list[int] | None], list[list[bool]]]:
    """Per drawn enterprise, the first four inspectors of its shuffled pool and whether each recuses
    for its home township; None where the first hash's four words do not make the four steps
    (a word thrown away, odds about n / 2⁶⁴, or a pool of fewer than four).

    :func:`~traceboard.sampling.spec.shuffled_order`'s first four steps, as arrays: the first
    digest of every walk hashed in one pass and read as four 64-bit words, step ``i`` swapping
    place ``i`` with ``i + v mod (n − i)``; the dict of swapped places becomes, for each step, the
    value last moved to a place among the steps before (four steps: a few array operations).
    """
    if not drawn:
        return [], []
    usccs, names, towns = zip(*drawn, strict=True)
    words = _first_digests(head.encode(), usccs).view(">u8").astype(np.uint64)  # (walks, 4)
    pool_names = list(prepared)
    sizes = np.array([len(prepared[p].ids) for p in pool_names] + [0], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    index = {p: k for k, p in enumerate(pool_names)}
    which = np.array([index.get(p, len(pool_names)) for p in names], dtype=np.int64)
    n = sizes[which]
    ranges = np.maximum(n[:, None] - np.arange(_AHEAD), 1)  # m = n − i (1 where the pool is short)
    served = (n >= _AHEAD) & ~rejected(words, ranges).any(axis=1)
    targets = np.arange(_AHEAD) + (words % ranges.astype(np.uint64)).astype(np.int64)
    places = np.empty_like(targets)  # the place each step takes its inspector from
    moved_to, moved = np.empty_like(targets), np.empty_like(targets)  # the dict: place → its value
    for i in range(_AHEAD):
        j = targets[:, i]
        chosen, here = j, np.full(len(j), i)
        for s in range(i):  # the later move wins, as the dict's later write
            chosen = np.where(moved_to[:, s] == j, moved[:, s], chosen)
            here = np.where(moved_to[:, s] == i, moved[:, s], here)
        places[:, i], moved_to[:, i], moved[:, i] = chosen, j, here
    ids = np.concatenate([np.asarray(prepared[p].ids, dtype=np.int64) for p in pool_names] + [[0]])
    at = np.where(served[:, None], starts[which][:, None] + places, len(ids) - 1)
    if homes is None:
        at_home = np.zeros(at.shape, dtype=bool)
    else:  # home townships as numbers: an inspector without one −1, a township no one's home −2
        town_codes = {t: c for c, t in enumerate(set(homes.values()))}
        home_of = np.array([town_codes.get(homes.get(i), -1) for i in ids.tolist()], dtype=np.int64)
        town_of = np.array([-2 if t is None else town_codes.get(t, -2) for t in towns], dtype=np.int64)
        at_home = home_of[at] == town_of[:, None]
    firsts: list[list[int] | None] = ids[at].tolist()
    for e in np.flatnonzero(~served).tolist():
        firsts[e] = None
    return firsts, at_home.tolist()


_SAMPLE = 97  # one walk in 97 has its first digest made again by hashlib (a prime: every batch lane)


def _first_digests(head: bytes, usccs: Sequence[str]) -> np.ndarray:
    """``SHA-256("{head}{uscc}|0")`` of every drawn enterprise, as an ``(n, 32)`` array, hashed in
    batches (:func:`~traceboard.sampling.spec.key_digests`). One walk in :data:`_SAMPLE` is hashed
    again by ``hashlib``; should one disagree, every digest is made by ``hashlib``."""
    digests = key_digests(head, usccs, b"|0")
    sample = list(range(0, len(usccs), _SAMPLE))
    if not (hashlib_key_digests(head, [usccs[i] for i in sample], b"|0") == digests[sample]).all():
        digests = hashlib_key_digests(head, usccs, b"|0")
    return digests


def _walk(
    prefix: bytes,
    ids: Sequence[int],
    bounds: Sequence[tuple[int, int]],
    d: Drawn,
    conflicts: Set[int] | None,
    homes: Mapping[int, str] | None,
    load: Mapping[int, int],
    cap: int,
) -> tuple[list[int], list[int]]:
    """One whole walk: the pool (ids ascending) shuffled step by step, as
    :func:`~traceboard.sampling.spec.shuffled_order`, until two fit or the pool is spent; each
    step's bounds ``(m, 2⁶⁴ − 2⁶⁴ mod m)`` given. Output: the fits and the recused passed over."""
    sha, unpack = _sha256, _UNPACK_WORDS
    town = d.township
    home = homes if town is not None else None
    words = unpack(sha(prefix + b"0").digest())
    used = block = 0
    moved: dict[int, int] = {}
    fits: list[int] = []
    recused: list[int] = []
    for i, (m, limit) in enumerate(bounds):
        while True:
            if used == 4:
                block += 1
                words = unpack(sha(prefix + str(block).encode()).digest())
                used = 0
            v = words[used]
            used += 1
            if v < limit:
                break
        j = i + v % m
        chosen = moved.get(j, ids[j])
        moved[j] = moved.get(i, ids[i])
        if (conflicts is not None and chosen in conflicts) or (home is not None and home.get(chosen) == town):
            recused.append(chosen)
        elif load.get(chosen, 0) < cap:
            fits.append(chosen)
            if len(fits) == PAIR:
                break
    return fits, recused


def pool_summaries(pools: Mapping[str, Sequence[int]], assignments: Sequence[dict]) -> list[dict]:
    """Each pool used by the assignments: its name, sorted inspector ids and workload cap."""
    per_pool = Counter(a["pool"] for a in assignments)
    return [
        {"pool": p, "inspectors": sorted(pools[p]), "cap": workload_cap(per_pool[p], len(pools[p]))}
        for p in sorted(per_pool)
    ]
