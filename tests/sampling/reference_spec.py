"""Specs v1, v2 and v3 written again from docs/draw.md and the spec text, sharing no code with
traceboard.sampling.

Plain and slow on purpose: full hex keys, a full sort, exact fractions for k, a whole shuffle.
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


def order_v1(seed, code, pool):
    return sorted(
        pool, key=lambda i: (hashlib.sha256(f"{seed}|inspector|{code}|{i}".encode()).hexdigest(), i)
    )


def shuffled(prefix, items, steps=None):
    """A Fisher-Yates shuffle, eagerly, on a copy of ``items``; the first ``steps`` places (all by default).

    Words: SHA-256 of prefix + "0", prefix + "1", ... consumed 8 bytes at a time from one stream.
    """
    stream = b""
    block = 0
    out = list(items)
    steps = len(out) if steps is None else min(steps, len(out))
    for i in range(steps):
        span = len(out) - i
        while True:
            if len(stream) < 8:
                stream += hashlib.sha256(f"{prefix}{block}".encode()).digest()
                block += 1
            word, stream = int.from_bytes(stream[:8], "big"), stream[8:]
            if word < (2**64 // span) * span:
                break
        j = i + word % span
        out[i], out[j] = out[j], out[i]
    return out[:steps]


def order_v2(seed, code, pool):
    """The whole shuffle of the ascending pool (specs 2 and 3)."""
    return shuffled(f"{seed}|inspector-order|{code}|", sorted(pool))


def draw_v3(seed, stratum, codes, k):
    """Spec 3: the first k places of the shuffle of the sorted candidates."""
    return shuffled(f"{seed}|enterprise-order|{stratum}|", sorted(codes), k)


def pairs(seed, drawn, pool_of, township_of, pools, conflicts, homes, home_recusal=True, order=order_v1):
    """drawn: codes in order; returns {code: [a, b]} or raises LookupError."""
    per_pool = {}
    for code in drawn:
        per_pool[pool_of[code]] = per_pool.get(pool_of[code], 0) + 1
    cap = {p: math.ceil(Fraction(2 * k, len(pools[p]))) + 1 for p, k in per_pool.items()}
    load, out = {}, {}
    for code in drawn:
        pool = pools[pool_of[code]]
        chosen = []
        for i in order(seed, code, pool):
            at_home = township_of[code] is not None and homes.get(i) == township_of[code]
            if (i, code) in conflicts or (home_recusal and at_home):
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
