#!/usr/bin/env python3
"""Verify a traceboard draw manifest (spec "traceboard-draw/1", "/2" or "/3") with plain Python.

Usage:  python verify_manifest.py MANIFEST.json
Exit 0 and "OK" when everything in the manifest re-computes; otherwise exit 1
and one line naming the first stratum or assignment that does not match.
Needs Python 3.10+ and nothing else: the city publishes this file beside the manifest.

What is re-done from the manifest alone:
- the seed against its commitment: SHA-256(seed) = seed_sha256;
- per stratum: N = number of candidates, candidates sorted and unique,
  candidates_sha256 = SHA-256 of the sorted codes joined by "\\n",
  k = ceil(ratio x N) (exact on the decimal ratio as written),
  drawn: in specs 1 and 2, the k candidates with the smallest
  SHA-256("{seed}|{stratum}|{uscc}"), in key order; in spec 3, the first k places
  of a Fisher-Yates shuffle of the candidates (in their published code order)
  driven by SHA-256("{seed}|enterprise-order|{stratum}|0"), "|1", ... (below);
- the list hash: SHA-256 of the lines "{stratum}\\t{candidates_sha256}" joined by "\\n";
- per pool: cap = ceil(2k / n) + 1 (k assignments of the pool, n inspectors);
- assignments: one per drawn code, in order; the pool's inspectors put in
  order, the recused skipped, those at the cap skipped, the first two taken.
  The order: in spec 1, by SHA-256("{seed}|inspector|{uscc}|{id}"); in specs 2
  and 3, a Fisher-Yates shuffle of the ids (ascending) driven by
  SHA-256("{seed}|inspector-order|{uscc}|0"), "|1", ...
The shuffles (specs 2 and 3): the digests' bytes read 8 at a time as big-endian
integers v; over n items, step i (from 0) swaps position i with i + (v mod (n - i)),
skipping any v >= 2**64 - 2**64 mod (n - i) and reading the next instead.
(Whether a recusal was due — a conflict or the home township — is personal data
kept by the city; the manifest lists who recused so that nobody else is skipped.)
"""

import functools
import hashlib
import heapq
import itertools
import json
import math
import operator
import sys
from decimal import Decimal

SPECS = ("traceboard-draw/1", "traceboard-draw/2", "traceboard-draw/3")
SHUFFLED_LIST = "traceboard-draw/3"


class Mismatch(Exception):
    """The manifest is malformed or does not re-compute."""


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(data):
    """Parse manifest bytes or text; numbers with a fraction become exact decimals.

    Each distinct integer is made once and shared: a spec-1 manifest at a million candidates
    lists five million recused inspector ids, a few thousand distinct ones (150 MB less).
    """
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        shared_int = functools.lru_cache(maxsize=None)(int)
        manifest = json.loads(data, parse_float=Decimal, parse_int=shared_int)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Mismatch(f"the manifest is not UTF-8 JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise Mismatch("the manifest is not a JSON object")
    return manifest


def require(obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise Mismatch(f"{where}: field {key!r} is missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Mismatch(f"{where}: field {key!r} has the wrong type")
    return value


def draw(seed, label, codes, k):
    """Specs 1 and 2: the k candidates with the smallest keys, in key order.

    A candidate's sort key is its raw digest followed by its code: raw digests order exactly as
    their lowercase hex does and are all 32 bytes long, so these keys order as (key, code) and
    compare as plain bytes. Only the keys below a bound are kept and sorted, the bound set so that
    about k + 8 sqrt(k) + 32 of the N keys fall under it: if at least k do, the k smallest kept
    are the k smallest of all (and otherwise, odds below 1 in 10**14, all are kept).
    """
    if k <= 0:
        return []
    prefix = f"{seed}|{label}|".encode()
    sha = hashlib.sha256
    encoded = "\n".join(codes).encode().split(b"\n")
    if len(encoded) != len(codes):  # a code holds a line break: encoded one by one
        encoded = [c.encode() for c in codes]
    bound = (k + 8 * math.isqrt(k) + 32) * 2**256 // len(codes)
    keyed = []
    if bound < 2**256:
        bound = bound.to_bytes(32, "big")  # a key is below it when its digest is
        keyed = [key for c in encoded if (key := sha(prefix + c).digest() + c) < bound]
    if len(keyed) < k:
        keyed = [sha(prefix + c).digest() + c for c in encoded]
    keyed.sort()
    return [key[32:].decode() for key in keyed[:k]]


def random_words(prefix):
    """The 64-bit big-endian integers of SHA-256(prefix + "0"), SHA-256(prefix + "1"), ..."""
    block = 0
    while True:
        digest = hashlib.sha256(f"{prefix}{block}".encode()).digest()
        for start in (0, 8, 16, 24):
            yield int.from_bytes(digest[start : start + 8], "big")
        block += 1


def shuffle_steps(words, items, steps):
    """The first ``steps`` places of a Fisher-Yates shuffle of ``items``, one by one (a generator).

    Positions swapped so far are kept in a dict, so nothing is copied: each step costs the
    same whatever the length of ``items``.
    """
    moved = {}
    n = len(items)
    for i in range(min(steps, n)):
        m = n - i
        v = next(words)
        while v >= 2**64 - 2**64 % m:
            v = next(words)
        j = i + v % m
        chosen = moved.get(j, items[j])
        moved[j] = moved.get(i, items[i])
        yield chosen


def draw_shuffled(seed, label, codes, k):
    """Spec 3: the first k places of the shuffle of the stratum's sorted candidates."""
    return list(shuffle_steps(random_words(f"{seed}|enterprise-order|{label}|"), codes, k))


def sorted_and_unique(codes):
    """Strictly ascending: each code below the next (compared pairwise in C)."""
    return all(map(operator.lt, codes, itertools.islice(codes, 1, None)))


def check_stratum(seed, s, i, spec):
    where = f"stratum {i + 1}"
    label = require(s, "stratum", str, where)
    where = f"stratum {i + 1} ({label})"
    codes = require(s, "candidates", list, where)
    try:
        joined = "\n".join(codes)  # refuses anything but strings
    except TypeError:
        return where + ": candidates must be strings"
    if not sorted_and_unique(codes):
        return where + ": candidates are not sorted and unique"
    if require(s, "N", int, where) != len(codes):
        return where + f": N is {s['N']} but {len(codes)} candidates are listed"
    if require(s, "candidates_sha256", str, where) != sha(joined):
        return where + ": candidates_sha256 does not match the candidate list"
    ratio = Decimal(str(require(s, "ratio", (int, Decimal), where)))
    if not 0 <= ratio <= 1:
        return where + f": ratio {ratio} is outside [0, 1]"
    k = math.ceil(ratio * len(codes))
    if require(s, "k", int, where) != k:
        return where + f": k is {s['k']} but ceil(ratio x N) = {k}"
    drawn = require(s, "drawn", list, where)
    expected = (draw_shuffled if spec == SHUFFLED_LIST else draw)(seed, label, codes, k)
    for pos, (got, want) in enumerate(zip(drawn, expected, strict=False)):
        if got != want:
            return where + f": drawn code {pos + 1} is {got}, expected {want}"
    if len(drawn) != len(expected):
        return where + f": {len(drawn)} codes drawn, expected {len(expected)}"
    return None


def first_two_by_key(seed, uscc, ids, recused, load, cap):
    """Spec 1: the first two in key order below the cap (the four smallest keys usually hold them)."""
    prefix = f"{seed}|inspector|{uscc}|".encode()
    sha = hashlib.sha256
    keyed = [(sha(prefix + str(i).encode()).digest(), i) for i in ids if i not in recused]
    fits = [i for _, i in heapq.nsmallest(4, keyed) if load.get(i, 0) < cap][:2]
    if len(fits) < 2 and len(keyed) > 4:
        fits = [i for _, i in sorted(keyed) if load.get(i, 0) < cap][:2]
    return fits


def first_two_shuffled(seed, uscc, ids, recused, load, cap):
    """Specs 2 and 3: walk the shuffle of ``ids`` (ascending) as far as needed; the first two that fit.

    The same steps as ``shuffle_steps(random_words(...), ids, len(ids))``, written out because it
    runs once per drawn enterprise: one digest's four words serve nearly every pair.
    """
    prefix = f"{seed}|inspector-order|{uscc}|"
    digest = hashlib.sha256(f"{prefix}0".encode()).digest()
    block, used = 0, 0
    moved = {}
    fits = []
    n = len(ids)
    for i in range(n):
        m = n - i
        while True:
            if used == 32:
                block += 1
                digest = hashlib.sha256(f"{prefix}{block}".encode()).digest()
                used = 0
            v = int.from_bytes(digest[used : used + 8], "big")
            used += 8
            if v < 2**64 - 2**64 % m:
                break
        j = i + v % m
        inspector = moved.get(j, ids[j])
        moved[j] = moved.get(i, ids[i])
        if inspector not in recused and load.get(inspector, 0) < cap:
            fits.append(inspector)
            if len(fits) == 2:
                break
    return fits


FIRST_TWO = {
    "traceboard-draw/1": first_two_by_key,
    "traceboard-draw/2": first_two_shuffled,
    "traceboard-draw/3": first_two_shuffled,
}


def check_pools(manifest, assignments):
    per_pool = {}  # assignments per pool
    for a in assignments:
        pool = a.get("pool") if isinstance(a, dict) else None
        if isinstance(pool, str):
            per_pool[pool] = per_pool.get(pool, 0) + 1
    pools = {}
    for i, p in enumerate(require(manifest, "pools", list, "manifest")):
        name = require(p, "pool", str, f"pool {i + 1}")
        ids = require(p, "inspectors", list, f"pool {name}")
        if not all(isinstance(i, int) for i in ids) or any(a >= b for a, b in itertools.pairwise(ids)):
            return None, f"pool {name}: inspectors must be integer ids, ascending and unique"
        k = per_pool.get(name, 0)
        cap = (2 * k + len(ids) - 1) // len(ids) + 1 if ids else 0
        if require(p, "cap", int, f"pool {name}") != cap:
            return None, f"pool {name}: cap is {p['cap']} but ceil(2k / n) + 1 = {cap}"
        pools[name] = (ids, cap)
    return pools, None


def check_order(assignments, drawn_codes):
    """One assignment per drawn code, in the order drawn."""
    for pos, a in enumerate(assignments):
        uscc = require(a, "uscc", str, f"assignment {pos + 1}")
        if pos >= len(drawn_codes) or drawn_codes[pos] != uscc:
            want = drawn_codes[pos] if pos < len(drawn_codes) else "none"
            return f"assignment {pos + 1} ({uscc}): expected the drawn code {want} here"
    if len(assignments) < len(drawn_codes):
        missing = drawn_codes[len(assignments)]
        return f"assignment {len(assignments) + 1}: missing for drawn code {missing}"
    return None


def check_assignments(manifest, drawn_codes):
    seed = manifest["seed"]
    first_two = FIRST_TWO[manifest["spec"]]
    assignments = require(manifest, "assignments", list, "manifest")
    problem = check_order(assignments, drawn_codes)
    if problem:
        return problem
    pools, problem = check_pools(manifest, assignments)
    if problem:
        return problem
    load = {}
    for pos, a in enumerate(assignments):
        pool, recused, inspectors = a.get("pool"), a.get("recused"), a.get("inspectors")
        if type(pool) is not str or type(recused) is not list or type(inspectors) is not list:
            where = f"assignment {pos + 1} ({a['uscc']})"
            for key, kind in (("pool", str), ("recused", list), ("inspectors", list)):
                require(a, key, kind, where)
        if pool not in pools:
            return f"assignment {pos + 1} ({a['uscc']}): pool {pool} is not listed under pools"
        ids, cap = pools[pool]
        fits = first_two(seed, a["uscc"], ids, set(recused), load, cap)
        if inspectors != fits:
            return f"assignment {pos + 1} ({a['uscc']}): inspectors are {inspectors}, the spec gives {fits}"
        for i in fits:
            load[i] = load.get(i, 0) + 1
    return None


def check_header(manifest):
    if require(manifest, "spec", str, "manifest") not in SPECS:
        known = ", ".join(map(repr, SPECS[:-1])) + f" and {SPECS[-1]!r}"
        return f"spec is {manifest['spec']!r}; this verifier knows {known}"
    seed = require(manifest, "seed", str, "manifest")
    if require(manifest, "seed_sha256", str, "manifest") != sha(seed):
        return "seed_sha256 does not match the seed (the seed is not the one committed)"
    return None


def verify(manifest):
    """Return None when the manifest re-computes, else a one-line description of the first problem."""
    try:
        problem = check_header(manifest)
        if problem:
            return problem
        strata = require(manifest, "strata", list, "manifest")
        drawn_codes = []
        for i, s in enumerate(strata):
            problem = check_stratum(manifest["seed"], s, i, manifest["spec"])
            if problem:
                return problem
            drawn_codes.extend(s["drawn"])
        lines = "\n".join(f"{s['stratum']}\t{s['candidates_sha256']}" for s in strata)
        if require(manifest, "list_sha256", str, "manifest") != sha(lines):
            return "list_sha256 does not match the strata's candidate hashes"
        return check_assignments(manifest, drawn_codes)
    except Mismatch as exc:
        return str(exc)


def verify_file(path):
    """Read, parse and verify the manifest at ``path``: None when it re-computes, else the problem."""
    try:
        with open(path, "rb") as handle:
            return verify(load(handle.read()))
    except (OSError, Mismatch) as exc:
        return str(exc)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python verify_manifest.py MANIFEST.json\n")
        return 2
    problem = verify_file(argv[1])
    if problem:
        sys.stdout.write(f"MISMATCH: {problem}\n")
        return 1
    sys.stdout.write("OK: the draw and the assignments re-compute from the manifest\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
