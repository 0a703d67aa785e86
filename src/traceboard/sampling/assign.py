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

from traceboard.i18n import Message
from traceboard.sampling.spec import SPEC_V1, check_spec

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


def _assign_shuffled(
    seed: str,
    drawn: Sequence[Drawn],
    prepared: Mapping[str, _Pool],
    caps: Mapping[str, int],
    recusals: Recusals,
) -> list[dict]:
    """Specs v2 and v3: for each drawn enterprise, the first two of its shuffled pool not recused and
    below the cap, and the recused passed over; :class:`NoValidPair` when no two fit.

    The hot loop of a draw (one walk per drawn enterprise, ~46,000 at a million):
    :func:`~traceboard.sampling.spec.shuffled_order` written out for all walks in one function, the
    first hash's four words read directly (nearly every pair needs them and no more), and each
    pool's bounds ``(m, 2⁶⁴ − 2⁶⁴ mod m)`` for step ``i`` (``m = n − i``) worked out once per pool.
    """
    sha, unpack = _sha256, _UNPACK_WORDS
    conflict_sets = recusals._conflict_sets
    homes = recusals.homes if recusals.home_township else None
    empty = _Pool([], frozenset(), [])
    steps = {
        p: [(m, _TWO64 - _TWO64 % m) for m in range(len(prepared[p].ids), 0, -1)]
        for p in caps
        if p in prepared
    }
    head = f"{seed}|inspector-order|"
    load: dict[int, int] = {}  # checks so far per inspector
    out: list[dict] = []
    for d in drawn:
        uscc, name, town = d
        pool = prepared.get(name, empty)
        cap = caps[name]
        ids = pool.ids
        prefix = f"{head}{uscc}|".encode()
        words = unpack(sha(prefix + b"0").digest())
        used = block = 0
        conflicts = conflict_sets.get(uscc)
        home = homes if town is not None else None
        moved: dict[int, int] = {}
        fits: list[int] = []
        recused: list[int] = []
        for i, (m, limit) in enumerate(steps.get(name, ())):
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
            if (conflicts is not None and chosen in conflicts) or (
                home is not None and home.get(chosen) == town
            ):
                recused.append(chosen)
            elif load.get(chosen, 0) < cap:
                fits.append(chosen)
                if len(fits) == PAIR:
                    break
        if len(fits) < PAIR:
            every = recusals.of(d, pool.members)
            full = [i for i in ids if i not in every and load.get(i, 0) >= cap]
            raise NoValidPair(_why(d, ids, every, full, cap))
        for i in fits:
            load[i] = load.get(i, 0) + 1
        recused.sort()
        out.append({"uscc": uscc, "pool": name, "inspectors": fits, "recused": recused})
    return out


def pool_summaries(pools: Mapping[str, Sequence[int]], assignments: Sequence[dict]) -> list[dict]:
    """Each pool used by the assignments: its name, sorted inspector ids and workload cap."""
    per_pool = Counter(a["pool"] for a in assignments)
    return [
        {"pool": p, "inspectors": sorted(pools[p]), "cap": workload_cap(per_pool[p], len(pools[p]))}
        for p in sorted(per_pool)
    ]
