"""The public draw, specification v1 ("traceboard-draw/1"; DESIGN.md "Public draw").

All strings are UTF-8; keys are lowercase hexadecimal SHA-256 digests.

- ``key(seed, stratum, uscc) = SHA-256("{seed}|{stratum}|{uscc}")``;
- in each stratum the ``k`` candidates with the smallest keys are drawn, listed
  in key order (ties, impossible in practice, are broken by the code);
- ``k = ceil(ratio × N)`` for the stratum's ``N`` candidates, computed exactly on
  the decimal number as written (``0.1 × 30`` is 3, not 4 as binary floating
  point would give);
- ``candidates_sha256`` of a stratum is SHA-256 of its sorted codes joined by "\\n";
- the list hash published at commit is SHA-256 of the lines
  ``"{stratum}\\t{candidates_sha256}"`` joined by "\\n", strata in manifest order;
- the seed commitment is SHA-256 of the seed.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

SPEC = "traceboard-draw/1"


class DrawRefused(ValueError):
    """Bad input to a draw (ratio, seed, candidates): the message names the problem."""


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw_key(seed: str, stratum: str, uscc: str) -> str:
    """The spec-v1 key of one candidate (lowercase hex)."""
    return sha256_hex(f"{seed}|{stratum}|{uscc}")


def exact_ratio(ratio: object) -> Decimal:
    """The ratio as an exact decimal (floats by their shortest repr); refuse anything outside [0, 1]."""
    try:
        value = Decimal(repr(ratio) if isinstance(ratio, float) else str(ratio))
    except InvalidOperation:
        raise DrawRefused(f"ratio {ratio!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > 1:
        raise DrawRefused(f"ratio {ratio} is outside [0, 1]")
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
            f"the seed does not match its commitment: SHA-256 of the seed is {actual[:16]}…, "
            f"the commitment is {seed_sha256[:16]}…"
        )


def _prefixes(digests: list[bytes]) -> np.ndarray:
    """The first 8 bytes of each digest as big-endian unsigned integers (orders like the hex)."""
    return np.frombuffer(b"".join(d[:8] for d in digests), dtype=">u8").astype(np.uint64)


def draw_stratum(seed: str, stratum: str, codes: Sequence[str], k: int) -> list[str]:
    """The ``k`` codes of ``codes`` with the smallest spec-v1 keys, in key order.

    Vectorised: keys are hashed once, the k smallest are found by their 64-bit
    prefixes (``np.argpartition``) and only those (plus any prefix ties at the
    boundary) are ordered by the full key and then by code.
    """
    n = len(codes)
    if k <= 0 or n == 0:
        return []
    prefix = f"{seed}|{stratum}|".encode()
    sha = hashlib.sha256
    digests = [sha(prefix + c.encode()).digest() for c in codes]
    heads = _prefixes(digests)
    if k >= n:
        chosen = np.arange(n)
    else:
        bound = heads[np.argpartition(heads, k - 1)[k - 1]]
        chosen = np.flatnonzero(heads <= bound)
    ordered = sorted((digests[i], codes[i]) for i in chosen.tolist())
    return [code for _, code in ordered[:k]]


@dataclass(frozen=True)
class Stratum:
    """A stratum of a frozen candidate list: its label, ratio and candidates (sorted codes)."""

    label: str
    ratio: Decimal
    candidates: tuple[str, ...]

    @property
    def k(self) -> int:
        return compute_k(self.ratio, len(self.candidates))

    @property
    def sha256(self) -> str:
        return sha256_hex("\n".join(self.candidates))


def make_stratum(label: str, ratio: object, codes: Iterable[str]) -> Stratum:
    """A stratum with its codes sorted and de-duplicated checked (a code may appear once)."""
    ordered = sorted(codes)
    for a, b in itertools.pairwise(ordered):
        if a == b:
            raise DrawRefused(f"candidate {a} appears twice in stratum {label}")
    return Stratum(label, exact_ratio(ratio), tuple(ordered))


def draw_strata(seed: str, strata: Sequence[Stratum]) -> list[list[str]]:
    """The drawn codes of every stratum, in order (spec v1). Input: strata; output: lists of codes."""
    if not seed:
        raise DrawRefused("the seed is empty")
    return [draw_stratum(seed, s.label, s.candidates, s.k) for s in strata]
