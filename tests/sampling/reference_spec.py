"""Spec v1 written again from DESIGN.md and the issue, sharing no code with traceboard.sampling.

Plain and slow on purpose: full hex keys, a full sort, exact fractions for k.
"""

import hashlib
import math
from fractions import Fraction


def key(seed, stratum, uscc):
    return hashlib.sha256(f"{seed}|{stratum}|{uscc}".encode()).hexdigest()


def k_of(ratio_text, n):
    return math.ceil(Fraction(ratio_text) * n)


def draw(seed, stratum, codes, k):
    return [c for _, c in sorted((key(seed, stratum, c), c) for c in codes)[:k]]


def pairs(seed, drawn, pool_of, township_of, pools, conflicts, homes, home_recusal=True):
    """drawn: codes in order; returns {code: [a, b]} or raises LookupError."""
    per_pool = {}
    for code in drawn:
        per_pool[pool_of[code]] = per_pool.get(pool_of[code], 0) + 1
    cap = {p: math.ceil(Fraction(2 * k, len(pools[p]))) + 1 for p, k in per_pool.items()}
    load, out = {}, {}
    for code in drawn:
        pool = pools[pool_of[code]]
        order = sorted(
            pool, key=lambda i: (hashlib.sha256(f"{seed}|inspector|{code}|{i}".encode()).hexdigest(), i)
        )
        chosen = []
        for i in order:
            if (i, code) in conflicts or (home_recusal and homes.get(i) == township_of[code]):
                continue
            if load.get(i, 0) >= cap[pool_of[code]]:
                continue
            chosen.append(i)
            if len(chosen) == 2:
                break
        if len(chosen) < 2:
            raise LookupError(code)
        for i in chosen:
            load[i] = load.get(i, 0) + 1
        out[code] = chosen
    return out
