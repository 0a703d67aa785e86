"""Inspector pairs for the drawn enterprises (issue 6, part 5; DESIGN.md "Random checks").

For each drawn enterprise, in manifest order (strata in order, drawn codes in
key order), the inspectors of its pool (the plan's department, or in a one-off
draw the enterprise's supervising department) are ordered by
``SHA-256("{seed}|inspector|{uscc}|{inspector_id}")`` and the first two that fit
are taken. An inspector fits when not recused (a declared conflict with the
enterprise, or — configurable, on by default — a home township equal to the
enterprise's) and below the pool's workload cap ``ceil(2k / n) + 1`` (k drawn
enterprises of the pool, n inspectors in it). No valid pair stops the draw.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

PAIR = 2


class NoValidPair(ValueError):
    """No two inspectors fit a drawn enterprise: the message names it and says why."""


@dataclass(frozen=True)
class Drawn:
    """A drawn enterprise as the assignment needs it."""

    uscc: str
    pool: str
    township: str | None = None


def workload_cap(k: int, n: int) -> int:
    """Most checks one inspector may get: ``ceil(2k / n) + 1`` (n > 0)."""
    return math.ceil(PAIR * k / n) + 1


def compute_recusals(
    drawn: Sequence[Drawn],
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame,
    home_township: bool = True,
) -> dict[str, dict[int, str]]:
    """Per drawn code, the inspectors who recuse and why (``"conflict"`` / ``"home_township"``).

    Input: ``inspectors`` with ``id``, ``home_township`` (name or None);
    ``conflicts`` with ``uscc``, ``inspector_id``. Only codes with a recusal appear.
    """
    out: dict[str, dict[int, str]] = {}
    codes = {d.uscc for d in drawn}
    for row in conflicts[conflicts["uscc"].isin(codes)].itertuples():
        out.setdefault(row.uscc, {})[int(row.inspector_id)] = "conflict"
    if home_township and len(inspectors):
        by_home = inspectors.dropna(subset=["home_township"]).groupby("home_township")["id"].apply(list)
        for d in drawn:
            for inspector_id in by_home.get(d.township, []):
                out.setdefault(d.uscc, {}).setdefault(int(inspector_id), "home_township")
    return out


def _why(d: Drawn, pool: Sequence[int], recused: Mapping[int, str], full: list[int], cap: int) -> str:
    conflict = sorted(i for i in pool if recused.get(i) == "conflict")
    home = sorted(i for i in pool if recused.get(i) == "home_township")
    return (
        f"no valid inspector pair for {d.uscc} (pool {d.pool}: {len(pool)} active inspectors; "
        f"conflict of interest: {conflict or 'none'}; home township {d.township}: {home or 'none'}; "
        f"at the workload limit of {cap}: {sorted(full) or 'none'}) — the draw stopped, nothing was recorded"
    )


def assign_pairs(
    seed: str,
    drawn: Sequence[Drawn],
    pools: Mapping[str, Sequence[int]],
    recusals: Mapping[str, Mapping[int, str]],
) -> list[dict]:
    """Two inspectors for every drawn enterprise, in order; raise :class:`NoValidPair` otherwise.

    Input: the drawn enterprises in manifest order, each pool's active
    inspector ids, the recusals of :func:`compute_recusals`. Output: one
    ``{"uscc", "pool", "inspectors": [id, id], "recused": [ids of the pool]}``
    per drawn enterprise, in the same order.
    """
    per_pool = Counter(d.pool for d in drawn)
    caps = {p: workload_cap(k, len(pools[p])) if pools.get(p) else 0 for p, k in per_pool.items()}
    encoded = {p: [(int(i), str(int(i)).encode()) for i in ids] for p, ids in pools.items()}
    load: Counter[int] = Counter()
    out = []
    for d in drawn:
        recused = recusals.get(d.uscc, {})
        fits = _first_fitting(seed, d.uscc, encoded.get(d.pool, []), recused, load, caps[d.pool])
        if len(fits) < PAIR:
            pool = list(pools.get(d.pool, ()))
            full = [i for i in pool if i not in recused and load[i] >= caps[d.pool]]
            raise NoValidPair(_why(d, pool, recused, full, caps[d.pool]))
        load.update(fits)
        recused_here = sorted(i for i, _ in encoded[d.pool] if i in recused) if recused else []
        out.append({"uscc": d.uscc, "pool": d.pool, "inspectors": fits, "recused": recused_here})
    return out


def _first_fitting(seed: str, uscc: str, pool: list, recused: Mapping, load: Counter, cap: int) -> list[int]:
    """The first two inspectors in key order who are not recused and below the cap (hot loop).

    The few smallest keys usually hold the pair (a heap selection, cheaper than
    sorting the pool); only when the cap rules them out is the whole pool sorted.
    """
    prefix = f"{seed}|inspector|{uscc}|".encode()
    sha = hashlib.sha256
    keyed = [(sha(prefix + b).digest(), i) for i, b in pool if i not in recused]
    head = heapq.nsmallest(PAIR + 2, keyed)
    fits = [i for _, i in head if load[i] < cap][:PAIR]
    if len(fits) < PAIR and len(keyed) > len(head):
        fits = [i for _, i in sorted(keyed) if load[i] < cap][:PAIR]
    return fits


def pool_summaries(pools: Mapping[str, Sequence[int]], assignments: Sequence[dict]) -> list[dict]:
    """Each pool used by the assignments: its name, sorted inspector ids and workload cap."""
    per_pool = Counter(a["pool"] for a in assignments)
    return [
        {"pool": p, "inspectors": sorted(pools[p]), "cap": workload_cap(per_pool[p], len(pools[p]))}
        for p in sorted(per_pool)
    ]
