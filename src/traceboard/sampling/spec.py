"""The public draw, specifications v1, v2 and v3 (docs/draw.md).

v1 and v2 draw enterprises the same way and differ only in how inspectors are
ordered for a drawn enterprise (see :mod:`traceboard.sampling.assign`); v3
orders inspectors as v2 and draws enterprises by a partial shuffle of the
published list. All strings are UTF-8; keys are lowercase hexadecimal SHA-256 digests.

Enterprises in v1 and v2:

- ``key(seed, stratum, uscc) = SHA-256("{seed}|{stratum}|{uscc}")``;
- in each stratum the ``k`` candidates with the smallest keys are drawn, listed
  in key order (ties, impossible in practice, are broken by the code);

Enterprises in v3 ("traceboard-draw/3", the default): the stratum's candidates in
code order (the published list), positions ``0 … N − 1``; the words of
``SHA-256("{seed}|enterprise-order|{stratum}|0")``, ``…|1``, … read as 64-bit
big-endian unsigned integers drive a Fisher–Yates shuffle stopped after ``k``
steps (step ``i`` swaps position ``i`` with ``i + r``, ``r`` uniform below
``N − i`` as below); the drawn codes are positions ``0 … k − 1`` in step order.
Every ordered ``k``-subset is equally likely, as in v1, and a draw costs about
``k / 4`` hashes instead of one per candidate.

Common to all:

- ``k = ceil(ratio × N)`` for the stratum's ``N`` candidates, computed exactly on
  the decimal number as written (``0.1 × 30`` is 3, not 4 as binary floating
  point would give);
- ``candidates_sha256`` of a stratum is SHA-256 of its sorted codes joined by "\\n";
- the list hash published at commit is SHA-256 of the lines
  ``"{stratum}\\t{candidates_sha256}"`` joined by "\\n", strata in manifest order;
- the seed commitment is SHA-256 of the seed.

Inspector order for a drawn enterprise ``uscc`` in a pool of ``n`` inspectors:

- v1 ("traceboard-draw/1"): ascending
  ``SHA-256("{seed}|inspector|{uscc}|{inspector_id}")``. Simple to redo by hand,
  but every drawn enterprise hashes its whole pool: k × n keys.
- v2 ("traceboard-draw/2") and v3: a Fisher–Yates shuffle of the pool's ids (ascending)
  driven by the byte stream ``SHA-256("{seed}|inspector-order|{uscc}|0")``,
  ``…|1``, …, read as 64-bit big-endian unsigned integers; step ``i`` swaps
  position ``i`` with ``i + r``, ``r`` uniform below ``n − i`` (an integer
  ``v`` is used as ``v mod (n − i)`` unless ``v ≥ 2⁶⁴ − 2⁶⁴ mod (n − i)``, when the
  next one is read). Every order of the pool is equally likely, as in v1, and
  the order is produced lazily: a pair costs a few hashes whatever the pool size.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import stringzilla

from traceboard.i18n import Message

SPEC_V1 = "traceboard-draw/1"
SPEC_V2 = "traceboard-draw/2"
SPEC_V3 = "traceboard-draw/3"
SPECS = (SPEC_V1, SPEC_V2, SPEC_V3)
SPEC = SPEC_V3  # the default for new draws (existing draws keep the spec they were frozen with)


class DrawRefused(ValueError):
    """Bad input to a draw (ratio, seed, candidates): the message names the problem."""


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw_key(seed: str, stratum: str, uscc: str) -> str:
    """The spec-v1 key of one candidate (lowercase hex)."""
    return sha256_hex(f"{seed}|{stratum}|{uscc}")


def check_spec(spec: str) -> str:
    """The spec name, refused unless this version of traceboard knows it."""
    if spec not in SPECS:
        raise DrawRefused(Message("refusals.unknown_spec", spec=spec, known=tuple(SPECS)))
    return spec


def uniform_below(words: Iterator[int], m: int) -> int:
    """A uniform integer in ``[0, m)`` from the stream (rejecting the few words of the last partial run)."""
    limit = 2**64 - 2**64 % m
    while (v := next(words)) >= limit:
        pass
    return v % m


_UNPACK_WORDS = struct.Struct(">4Q").unpack


def hash_words(prefix: str) -> Iterator[int]:
    """The 64-bit big-endian words of ``SHA-256(prefix + "0")``, ``SHA-256(prefix + "1")``, …"""
    head = prefix.encode()
    sha = hashlib.sha256
    yield from _UNPACK_WORDS(sha(head + b"0").digest())  # one block serves nearly every pair
    for block in itertools.count(1):
        yield from _UNPACK_WORDS(sha(head + str(block).encode()).digest())


def _words(seed: str, uscc: str) -> Iterator[int]:
    """Spec v2's random integers for one enterprise: 64-bit big-endian words of the hash blocks."""
    return hash_words(f"{seed}|inspector-order|{uscc}|")


def partial_shuffle(words: Iterator[int], n: int, k: int) -> list[int]:
    """The first ``k`` places of a Fisher–Yates shuffle of ``0 … n − 1`` driven by ``words``.

    Step ``i`` swaps position ``i`` with ``i + r``, ``r`` uniform below ``n − i``
    (:func:`uniform_below`). Swapped positions are kept in a dict: ``k`` steps whatever ``n``.
    """
    moved: dict[int, int] = {}
    out = []
    for i in range(min(k, n)):
        j = i + uniform_below(words, n - i)
        out.append(moved.get(j, j))
        moved[j] = moved.get(i, i)
    return out


def block_words(prefix: bytes, blocks: int) -> np.ndarray:
    """The words of :func:`hash_words` for blocks ``0 … blocks − 1`` at once, as ``uint64``."""
    sha = hashlib.sha256
    digests = b"".join([sha(prefix + str(b).encode()).digest() for b in range(blocks)])
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64)


def rejected(words: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Where a word is thrown away by :func:`uniform_below` for a range ``m`` (``v ≥ 2⁶⁴ − 2⁶⁴ mod m``)."""
    m = m.astype(np.uint64)
    top = np.uint64(2**64 - 1)
    rest = (top % m + np.uint64(1)) % m  # 2⁶⁴ mod m, in 64-bit arithmetic
    return (rest > 0) & (words > top - rest)


def shuffle_positions(seed: str, stratum: str, n: int, k: int) -> list[int]:
    """Spec v3: the positions (in the stratum's code order) of its ``k`` drawn candidates, in draw order.

    About ``k / 4`` hashes of ``"{seed}|enterprise-order|{stratum}|{block}"`` whatever ``n``. The
    words are hashed and reduced (``i + v mod (n − i)``) in one go; only the swaps run one by one.
    A word that would be thrown away (odds about ``n / 2⁶⁴``) makes the draw take the word-by-word
    path (:func:`partial_shuffle`), which gives the same result by definition.
    """
    if k <= 0 or n <= 0:
        return []
    k = min(k, n)
    prefix = f"{seed}|enterprise-order|{stratum}|"
    words = block_words(prefix.encode(), -(-k // 4))[:k]
    m = np.arange(n, n - k, -1, dtype=np.int64)
    if rejected(words, m).any():
        return partial_shuffle(hash_words(prefix), n, k)
    targets = (np.arange(k, dtype=np.uint64) + words % m.astype(np.uint64)).tolist()
    moved: dict[int, int] = {}
    get = moved.get
    out = []
    for i, j in enumerate(targets):
        out.append(get(j, j))
        moved[j] = get(i, i)
    return out


def shuffled_order(seed: str, uscc: str, pool: Sequence[int]) -> Iterator[int]:
    """Specs v2 and v3: the ``pool`` (inspector ids, ascending) in shuffled order, produced lazily.

    A Fisher–Yates shuffle whose swaps are kept in a dict, so taking the first
    few inspectors costs a few hashes and no copy of the pool.
    """
    words = _words(seed, uscc)
    moved: dict[int, int] = {}
    n = len(pool)
    for i in range(n):
        j = i + uniform_below(words, n - i)
        chosen = moved.get(j, pool[j])
        moved[j] = moved.get(i, pool[i])
        yield chosen


def exact_ratio(ratio: object) -> Decimal:
    """The ratio as an exact decimal (floats by their shortest repr); refuse anything outside [0, 1]."""
    try:
        value = Decimal(repr(ratio) if isinstance(ratio, float) else str(ratio))
    except InvalidOperation:
        raise DrawRefused(Message("refusals.ratio_not_number", ratio=ratio)) from None
    if not value.is_finite() or value < 0 or value > 1:
        raise DrawRefused(Message("refusals.ratio_range", ratio=ratio))
    # As the manifest writes it (a JSON number, shortest repr), so that k is the same on both sides.
    return Decimal(repr(float(value)))


def compute_k(ratio: object, n: int) -> int:
    """``ceil(ratio × N)``, exact on the decimal ratio."""
    return math.ceil(exact_ratio(ratio) * n)


def candidates_sha256(codes: Iterable[str]) -> str:
    """SHA-256 over the sorted codes joined by "\\n" (input need not be sorted)."""
    return sha256_hex("\n".join(sorted(codes)))


def list_sha256(stratum_hashes: Sequence[tuple[str, str]]) -> str:
    """The list hash published at commit: over ``"{stratum}\\t{candidates_sha256}"`` lines, in order."""
    return sha256_hex("\n".join(f"{label}\t{digest}" for label, digest in stratum_hashes))


def check_seed(seed: str, seed_sha256: str) -> None:
    """Refuse a seed whose SHA-256 is not the published commitment."""
    actual = sha256_hex(seed)
    if actual != seed_sha256.strip().lower():
        raise DrawRefused(
            Message("refusals.seed_mismatch", actual=actual[:16], committed=seed_sha256.strip()[:16])
        )


_LANES = 4096  # messages hashed per batch call: their states stay in the CPU's cache


def key_digests(prefix: bytes, codes: Sequence[str], suffix: bytes = b"") -> np.ndarray:
    """``SHA-256(prefix + code + suffix)``, the code in UTF-8, of every code: an ``(n, 32)`` array of digests.

    Codes that are all ASCII text, as USCCs are, are hashed in batches by StringZilla's ``Sha256s``
    (a digest per lane, in C: about a third of the time of a ``hashlib`` call per code, docs/draw.md);
    any other code list one ``hashlib`` call at a time (:func:`hashlib_key_digests`), the same bytes
    hashed, so the same digests. A stringzilla string kernel is never handed a code it cannot read
    as UTF-8 (it would not refuse it cleanly): such a code reaches ``str.encode``, which does.
    """
    n = len(codes)
    try:
        batched = all(map(str.isascii, codes))
    except TypeError:  # not all text: refused below, as the codes are encoded
        batched = False
    if not batched:
        return hashlib_key_digests(prefix, codes, suffix)
    out = np.empty((n, 32), dtype=np.uint8)
    lanes = None
    for lo in range(0, n, _LANES):
        part = codes[lo : lo + _LANES]
        if lanes is None or len(lanes) != len(part):
            lanes = stringzilla.Sha256s(len(part))
        else:
            lanes.reset()
        lanes.update([prefix] * len(part)).update(part)
        if suffix:
            lanes.update([suffix] * len(part))
        lanes.digest(out=out[lo : lo + len(part)])
    return out


def hashlib_key_digests(prefix: bytes, codes: Sequence[str], suffix: bytes = b"") -> np.ndarray:
    """:func:`key_digests` one ``hashlib`` call per code (the definition, written out)."""
    sha = hashlib.sha256
    digests = b"".join([sha(prefix + c.encode() + suffix).digest() for c in codes])
    return np.frombuffer(digests, dtype=np.uint8).reshape(len(codes), 32)


def _prefixes(digests: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each digest (a row) as big-endian unsigned integers (orders like the hex)."""
    return np.ascontiguousarray(digests[:, :8]).view(">u8")[:, 0].astype(np.uint64)


def _agree(prefix: bytes, codes: Sequence[str], digests: np.ndarray, at: np.ndarray) -> bool:
    """Whether the digests at ``at`` are those ``hashlib`` gives (the drawn keys, checked again)."""
    return bool((hashlib_key_digests(prefix, [codes[i] for i in at.tolist()]) == digests[at]).all())


def draw_positions(seed: str, stratum: str, codes: Sequence[str], k: int) -> list[int]:
    """Positions in ``codes`` of the ``k`` codes with the smallest keys, in key order.

    Vectorised: keys are hashed once (:func:`key_digests`), the k smallest are found by their
    64-bit prefixes (``np.partition``) and those (with any prefix ties at the boundary) are
    ordered by their prefixes, in C. Distinct prefixes order as the full keys do; only
    when two of them tie (odds about k² / 2⁶⁵) are they ordered by the full key and then by code.
    The keys of those drawn (and tied at the bound) are hashed again by ``hashlib``; should a batch
    ever disagree, every key is made by ``hashlib`` and the draw done again from them.
    """
    n = len(codes)
    if k <= 0 or n == 0:
        return []
    prefix = f"{seed}|{stratum}|".encode()
    digests = key_digests(prefix, codes)
    chosen, order = _smallest(_prefixes(digests), k)
    if not _agree(prefix, codes, digests, chosen):
        digests = hashlib_key_digests(prefix, codes)
        chosen, order = _smallest(_prefixes(digests), k)
    if order is None:
        ordered = sorted((digests[i].tobytes(), codes[i], i) for i in chosen.tolist())
        return [i for _, _, i in ordered[:k]]
    return order[:k].tolist()


def _smallest(heads: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The positions of the ``k`` smallest prefixes and of any tied with the ``k``-th (unordered),
    and those positions in prefix order; None for the order when two of them tie."""
    n = len(heads)
    if k >= n:
        chosen = np.arange(n)
    else:
        bound = np.partition(heads, k - 1)[k - 1]
        chosen = np.flatnonzero(heads <= bound)
    order = chosen[np.argsort(heads[chosen], kind="stable")]
    ranked = heads[order]
    if (ranked[1:] == ranked[:-1]).any():
        return chosen, None
    return chosen, order


def draw_stratum(seed: str, stratum: str, codes: Sequence[str], k: int) -> list[str]:
    """The ``k`` codes of ``codes`` with the smallest keys, in key order."""
    return [codes[i] for i in draw_positions(seed, stratum, codes, k)]


@dataclass(frozen=True)
class Stratum:
    """A stratum of a frozen candidate list: its label, ratio and candidates (sorted codes)."""

    label: str
    ratio: Decimal
    candidates: tuple[str, ...]

    @property
    def k(self) -> int:
        return compute_k(self.ratio, len(self.candidates))

    @functools.cached_property
    def sha256(self) -> str:
        return sha256_hex("\n".join(self.candidates))


def make_stratum(label: str, ratio: object, codes: Iterable[str]) -> Stratum:
    """A stratum with its codes sorted and de-duplicated checked (a code may appear once)."""
    ordered = sorted(codes)
    if len(set(ordered)) < len(ordered):
        twice = next(a for a, b in itertools.pairwise(ordered) if a == b)
        raise DrawRefused(Message("refusals.candidate_twice", uscc=twice, stratum=label))
    return Stratum(label, exact_ratio(ratio), tuple(ordered))


def draw_strata_positions(seed: str, strata: Sequence[Stratum], spec: str) -> list[list[int]]:
    """Per stratum, the positions of its drawn candidates in the spec's draw order
    (v1, v2: key order; v3: shuffle order)."""
    if not seed:
        raise DrawRefused(Message("refusals.seed_empty"))
    if check_spec(spec) == SPEC_V3:
        return [shuffle_positions(seed, s.label, len(s.candidates), s.k) for s in strata]
    return [draw_positions(seed, s.label, s.candidates, s.k) for s in strata]


def draw_strata(seed: str, strata: Sequence[Stratum], spec: str) -> list[list[str]]:
    """The drawn codes of every stratum, in order. Input: strata; output: lists of codes."""
    return [
        [s.candidates[i] for i in positions]
        for s, positions in zip(strata, draw_strata_positions(seed, strata, spec), strict=True)
    ]
