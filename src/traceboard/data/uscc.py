"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

An 18-character code over the alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY``
(values 0–30, no I O S V Z):

- position 1: registration authority; position 2: kind of entity;
- positions 3–8: administrative division code (digits);
- positions 9–17: the organization code of GB 11714 — 8 body characters
  (weights 3 7 9 10 5 8 4 2; digits 0–9, letters A=10 … Z=35) and its own
  check character ``11 − (Σ mod 11)``, 10 → ``X``, 11 → ``0``;
- position 18: ``(31 − Σ value(cᵢ)·(3^(i−1) mod 31)) mod 31`` over i = 1..17.

A few early pilot codes fail the checks yet are legal; the office keeps them
in an allow-list (the ``legacy_code`` table), which callers pass in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from traceboard.i18n import Message

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18


@dataclass(frozen=True)
class CodeCheck:
    """The verdict on one code: the normalised code, and the reason when invalid."""

    code: str
    reason: str | None = None
    legacy: bool = False

    @property
    def valid(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        if self.reason:
            return f"invalid: {self.reason}"
        return "valid (legacy code on the allow-list)" if self.legacy else "valid"


def normalize_code(raw: object) -> str:
    """Full-width to half-width, surrounding spaces removed, upper case."""
    text = "" if raw is None else str(raw)
    return unicodedata.normalize("NFKC", text).strip().upper()


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_check_char(body: str) -> str:
    """The GB 11714 check character for the 8-character body of an organization code."""
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def check_code(raw: object, allowlist: Iterable[str] = ()) -> CodeCheck:
    """Validate one code; the reason names the first problem found, as a user would fix it."""
    code = normalize_code(raw)
    if len(code) != LENGTH:
        return CodeCheck(code, Message("validation.code_length", expected=LENGTH, got=len(code)))
    for pos, char in enumerate(code, start=1):
        if char not in VALUE:
            return CodeCheck(code, Message("validation.code_character", char=char, pos=pos))
    for pos in range(3, 9):
        if not code[pos - 1].isdigit():
            return CodeCheck(code, Message("validation.code_region", char=code[pos - 1], pos=pos))
    reason = _check_characters(code)
    if reason and code in set(allowlist):
        return CodeCheck(code, legacy=True)
    return CodeCheck(code, reason)


def _check_characters(code: str) -> str | None:
    org_expected = org_check_char(code[8:16])
    if code[16] != org_expected:
        return Message("validation.code_org_check", expected=org_expected)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return Message("validation.code_check", expected=expected)
    return None


# --- generation (demo data, tests) ------------------------------------------

_ASCII = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_ORG_VALUES = np.array([_org_value(c) for c in ALPHABET])


def generate_codes(rng: np.random.Generator, n: int, region: str, kinds: np.ndarray) -> np.ndarray:
    """``n`` distinct valid codes in ``region`` (6 digits); ``kinds[i]`` is code i's 2-character prefix.

    Vectorised over integer arrays (values, weights, check characters) and
    turned into strings once at the end, so a million codes take well under
    a second.
    """
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"region must be 6 digits, got {region!r}")
    kinds = np.asarray(kinds, dtype="<U2")
    prefixes, prefix_of = np.unique(kinds, return_inverse=True)
    head = np.array([[VALUE[c] for c in p + region] for p in prefixes])[prefix_of]
    body = rng.integers(0, 31, size=(n, 8))
    codes = _assemble(head, body)
    while True:  # 31^8 bodies: a collision is rare, but codes must be distinct
        _, first = np.unique(codes, return_index=True)
        redo = np.setdiff1d(np.arange(n), first)
        if redo.size == 0:
            return codes.astype("<U18")
        body[redo] = rng.integers(0, 31, size=(redo.size, 8))
        codes[redo] = _assemble(head[redo], body[redo])


def _assemble(head: np.ndarray, body: np.ndarray) -> np.ndarray:
    org_check = 11 - (_ORG_VALUES[body] * np.array(ORG_WEIGHTS)).sum(axis=1) % 11
    org_value = np.where(org_check == 10, VALUE["X"], np.where(org_check == 11, 0, org_check))
    values = np.column_stack([head, body, org_value])
    check = (31 - (values * np.array(WEIGHTS)).sum(axis=1) % 31) % 31
    return _ASCII[np.column_stack([values, check])].view("S18").ravel()


def code_keys(codes: Sequence[str]) -> np.ndarray:
    """The codes as a numpy array that sorts and compares in C exactly as Python orders the strings.

    Codes of one width in ASCII without line breaks (every valid USCC) become
    fixed-width bytes, cut from one joined buffer; anything else falls back to
    numpy unicode.
    """
    codes = list(codes)
    width = len(codes[0]) if codes else 0
    joined = ("\n".join(codes) + "\n") if codes else ""
    if width and joined.isascii() and len(joined) == (width + 1) * len(codes):
        rows = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(codes), width + 1)
        # every row ends in the only line break of the row: each code is exactly `width` long
        if (rows[:, width] == 10).all() and joined.count("\n") == len(codes):
            return np.ascontiguousarray(rows[:, :width]).view(f"S{width}").ravel()
    return np.array(codes, dtype=str)


def code_ranks(codes: Sequence[str]) -> np.ndarray:
    """Each code's place in Python's string order (int32, from 0); equal codes share a place."""
    keys = code_keys(codes)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    places = np.empty(len(keys), dtype=np.int32)
    places[order] = np.concatenate([[0], np.cumsum(ordered[1:] != ordered[:-1])]).astype(np.int32)
    return places
