"""Normalising cell text: yes/no, dates, credit codes, names of townships and the like.

Each normaliser takes a Series of text (index: spreadsheet row numbers) and
returns the values and a Series of reasons (None where the cell is fine).
Work is done once per distinct value and mapped back (a register of 100,000
rows has a few dozen townships and a few thousand dates), and credit codes
are checked with numpy over the whole column; only failing codes go through
the per-code explanation of :func:`traceboard.data.uscc.check_code`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal

import numpy as np
import pandas as pd

from traceboard.data.uscc import ALPHABET, ORG_WEIGHTS, WEIGHTS, check_code
from traceboard.i18n import Message

YES = frozenset(
    {"是", "Y", "YES", "√", "✓", "✔", "1", "有", "已建立", "已接入", "TRUE", "建立", "接入", "对"}
)
NO = frozenset({"否", "N", "NO", "×", "✗", "✘", "X", "0", "无", "未建立", "未接入", "FALSE", "没有"})
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (10_000, 99_999)  # 1927-05-18 … 2173: a five-digit number in a date column is a serial
_DATE_PATTERNS = (
    re.compile(
        r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_SPACES = re.compile(r"\s+")
Checked = tuple[pd.Series, pd.Series]


def nones(index: pd.Index) -> pd.Series:
    """A column of None (pandas turns ``Series(None)`` into NaN)."""
    return pd.Series([None] * len(index), index=index, dtype=object)


def reason_column(reasons) -> pd.Series:
    """Reasons as a column of a problem table: kept as objects (pandas would turn the messages into
    plain text and lose the code they are worded from again)."""
    if isinstance(reasons, pd.Series):
        reasons = reasons.to_numpy(dtype=object)
    return pd.Series(list(reasons), dtype=object)


def put(reasons: pd.Series, where: pd.Series, reason: object) -> pd.Series:
    """``reasons`` with ``reason`` (one message, or a Series of them) where ``where`` holds; the
    messages stay themselves (``Series.mask`` would turn a message into plain text)."""
    out = reasons.to_numpy(dtype=object).copy()
    mask = where.reindex(reasons.index).fillna(False).astype(bool).to_numpy()
    if isinstance(reason, pd.Series):
        out[mask] = reason.reindex(reasons.index).to_numpy(dtype=object)[mask]
    else:
        out[mask] = reason
    return pd.Series(out, index=reasons.index, dtype=object)


def clean_text(value: str) -> str:
    """NFKC (full-width → half-width) with surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value).strip()


def squeeze(value: str) -> str:
    """NFKC with every space removed (for names: '山 枣镇' is 山枣镇)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def per_unique(series: pd.Series, parse: Callable[[str], tuple[object, str | None]]) -> Checked:
    """Apply ``parse(text) -> (value, reason)`` once per distinct text; blank cells give (None, None)."""
    codes, distinct = pd.factorize(series.to_numpy())
    parsed = [parse(v) if v else (None, None) for v in distinct]
    values = np.array([p[0] for p in parsed] + [None], dtype=object)[codes]
    reasons = np.array([p[1] for p in parsed] + [None], dtype=object)[codes]
    return pd.Series(values, index=series.index, dtype=object), pd.Series(
        reasons, index=series.index, dtype=object
    )


def map_unique(series: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``fn`` applied once per distinct value (e.g. normalising codes)."""
    codes, distinct = pd.factorize(series.to_numpy())
    return pd.Series(
        np.array([fn(v) for v in distinct] + [None], dtype=object)[codes], index=series.index, dtype=object
    )


def parse_yes_no(text: str) -> tuple[bool | None, str | None]:
    token = squeeze(text).upper()
    if token in YES:
        return True, None
    if token in NO:
        return False, None
    return None, Message("validation.yes_no")


def parse_date(text: str) -> tuple[dt.date | None, str | None]:
    token = clean_text(text)
    if token.isdigit() and SERIAL_RANGE[0] <= int(token) <= SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(token)), None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(token)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                date = dt.date(year, month, day)
            except ValueError:
                return None, Message("validation.date_impossible", date=f"{year}-{month:02d}-{day:02d}")
            if year < 1900:
                return None, Message("validation.date_before_1900")
            return date, None
    return None, Message("validation.not_a_date")


def parse_int(text: str) -> tuple[int | None, str | None]:
    token = squeeze(text).replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", token):
        return int(float(token)), None
    return None, Message("validation.not_whole")


def make_matcher(
    choices: dict[str, object], what: str, strip: Callable[[str], Iterable[str]] = lambda s: (s,)
) -> Callable[[str], tuple[object, str | None]]:
    """A parser that matches text to ``choices`` (normalised key → value) after normalisation.

    ``strip`` yields further spellings of a text to try (e.g. without a
    suffix). Anything else is an error naming the closest known name.
    """
    keys = {squeeze(k).upper(): v for k, v in choices.items()}
    noun = thing(what)
    display = [k for k in choices if not k.isascii()] or list(choices)

    def match(text: str) -> tuple[object, str | None]:
        token = squeeze(text).upper()
        for candidate in (token, *strip(token)):
            if candidate in keys:
                return keys[candidate], None
        guess = closest(squeeze(text), display)
        if guess:
            return None, Message("validation.unknown_guess", what=noun, value=clean_text(text), guess=guess)
        return None, Message("validation.unknown", what=noun, value=clean_text(text))

    return match


def thing(what: str) -> Message:
    """A kind of value named in messages (``"operating status"``: ``validation.what.operating_status``)."""
    return Message(f"validation.what.{what.replace(' ', '_')}")


def closest(text: str, names: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The known name most like ``text``; characters in the same place break ties (山早镇 → 山枣镇)."""

    def score(name: str) -> tuple[float, int]:
        same_place = sum(a == b for a, b in zip(text, name, strict=False))
        return difflib.SequenceMatcher(None, text, name).ratio(), same_place

    best = max(names, key=score, default=None)
    return best if best is not None and score(best)[0] >= cutoff else None


# --- credit codes, over the whole column at once -----------------------------

_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(ALPHABET):
    _VALUE[ord(_c)] = _i


def normalise_codes(series: pd.Series) -> pd.Series:
    """Codes as written → half-width, upper case, no spaces (per distinct value)."""
    return map_unique(series, lambda v: squeeze(v).upper())


def check_codes(codes: pd.Series, allowlist: Iterable[str] = ()) -> pd.Series:
    """The reason each normalised code is invalid (None when valid), vectorised with numpy.

    Well-formed codes whose check characters agree pass in bulk; the others
    are explained one by one by :func:`check_code` (GB 32100-2015, GB 11714),
    which also honours the allow-list of legacy codes.
    """
    text = codes.to_numpy(dtype=str)
    ok = np.char.str_len(text) == 18
    points = np.zeros((len(text), 18), dtype=np.int64)
    if ok.any():
        points[ok] = text[ok].astype("<U18").view(np.uint32).reshape(-1, 18)
    ok &= (points < 128).all(axis=1)
    values = _VALUE[np.where(points < 128, points, 0)]
    ok &= (values >= 0).all(axis=1) & ((points[:, 2:8] >= 48) & (points[:, 2:8] <= 57)).all(axis=1)
    body = np.where(points[:, 8:16] <= 57, points[:, 8:16] - 48, points[:, 8:16] - 55)
    org = 11 - (body * np.array(ORG_WEIGHTS)).sum(axis=1) % 11
    org_char = np.where(org == 10, ord("X"), np.where(org == 11, ord("0"), org + 48))
    ok &= org_char == points[:, 16]
    check = (31 - (values[:, :17] * np.array(WEIGHTS)).sum(axis=1) % 31) % 31
    ok &= check == values[:, 17]
    reasons = nones(codes.index)
    allowed = set(allowlist)
    for pos in np.flatnonzero(~ok):
        reasons.iloc[pos] = check_code(text[pos], allowed).reason
    return reasons


# --- periods, money, rates, lists ---------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(r"^(\d{4})年?[-/]?(?:Q([1-4])|第?([1-4一二三四])季度?)$")
_MONTH = re.compile(r"^(\d{4})(?:年|[-/.])(\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})(?:年|年度)?$")
_MONEY = re.compile(r"^(\d+(?:\.\d+)?)(万)?(?:元)?$")
_RATE = re.compile(r"^(\d+(?:\.\d+)?)(%)?$")
LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def parse_period(text: str) -> tuple[str | None, str | None]:
    """A reporting period in its stored spelling: ``2019Q1`` (quarter), ``2019-03`` (month), ``2019``."""
    token = squeeze(text).upper()
    if match := _QUARTER.match(token):
        return f"{match.group(1)}Q{_CN_DIGITS[match.group(2) or match.group(3)]}", None
    if (match := _MONTH.match(token)) and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-{int(match.group(2)):02d}", None
    if match := _YEAR.match(token):
        return match.group(1), None
    return None, Message("validation.not_a_period")


def parse_money(text: str) -> tuple[float | None, str | None]:
    """An amount in yuan: 120000, 120,000.50, 12.5万 (ten thousands), with or without 元."""
    match = _MONEY.match(squeeze(text).replace(",", ""))
    if not match:
        return None, Message("validation.not_money")
    amount = Decimal(match.group(1)) * (10_000 if match.group(2) else 1)
    if amount != amount.quantize(Decimal("0.01")):
        return None, Message("validation.money_decimals")
    return float(amount), None


def parse_rate(text: str) -> tuple[float | None, str | None]:
    """A rate between 0 and 1: ``62.5%`` or ``0.625``."""
    match = _RATE.match(squeeze(text))
    if not match:
        return None, Message("validation.not_a_rate")
    rate = Decimal(match.group(1)) / (100 if match.group(2) else 1)
    if rate > 1:
        return None, Message("validation.rate_above_one")
    return float(rate), None


def make_list_parser(
    choices: tuple[str, ...], what: str
) -> Callable[[str], tuple[tuple[str, ...] | None, str | None]]:
    """A parser of a list in one cell (separated by 、，; or spaces) of items from ``choices``,
    returned in the order of ``choices`` without repeats."""
    known = {squeeze(c): c for c in choices}
    noun = thing(what)

    def parse(text: str) -> tuple[tuple[str, ...] | None, str | None]:
        items = [squeeze(i) for i in LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text)) if i]
        unknown = [i for i in items if i not in known]
        if unknown:
            guess = closest(unknown[0], list(choices))
            if guess:
                return None, Message("validation.unknown_guess", what=noun, value=unknown[0], guess=guess)
            return None, Message(
                "validation.unknown_known", what=noun, value=unknown[0], known="、".join(choices)
            )
        found = {known[i] for i in items}
        return tuple(c for c in choices if c in found), None

    return parse
