"""One number format for every page: counts with thousands separators (92,505), percentages with
one decimal (79.1%), "—" for none.

Text (metrics, captions, chart labels) is formatted here by :func:`count`, :func:`percent` and
:func:`decimal`; tables keep their numbers as numbers (so that a column still sorts by value) and
take their format from :func:`column_config`, which gives every count column the grouped format and
every share column the one-decimal percentage. ``docs/interface.md`` states the rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

NONE = "—"
# Streamlit's "percent" format shows (decimals of ``step``) − 2 decimals: 0.001 → one decimal.
PERCENT_STEP = 0.001
# Integer columns that name or date something rather than count it: shown as they are (2025, not 2,025).
IDENTIFIERS = frozenset({"id", "year", "position", "batch", "row", "rank", "version", "code"})


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def count(value: Any) -> str:
    """A whole number with thousands separators: 92505 → "92,505"; None/NaN → "—"."""
    return NONE if _missing(value) else f"{round(value):,}"


def percent(value: Any, signed: bool = False) -> str:
    """A share as a percentage with one decimal: 0.7913 → "79.1%" (signed: "+1.2%"); None/NaN → "—"."""
    if _missing(value):
        return NONE
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def points(value: Any) -> str:
    """A difference of two shares in percentage points, signed, one decimal: 0.012 → "+1.2 pp"."""
    return NONE if _missing(value) else f"{100 * value:+.1f} pp"


def decimal(value: Any, places: int = 1) -> str:
    """A measured value with ``places`` decimals and thousands separators; None/NaN → "—"."""
    return NONE if _missing(value) else f"{value:,.{places}f}"


def is_identifier(column: str) -> bool:
    """A column that names or dates rather than counts (``id``, ``plan_id``, ``year``, ``position``…)."""
    name = str(column).lower()
    return name in IDENTIFIERS or name.endswith("_id") or name.endswith("_year")


def count_column(label: str | None = None, **kwargs: Any) -> Any:
    """A table column of counts: 92,505."""
    return st.column_config.NumberColumn(label, format="localized", step=1, **kwargs)


def identifier_column(label: str | None = None, **kwargs: Any) -> Any:
    """A table column of numbers that name or date something (ids, years): 2025, not 2,025."""
    # "%d", not Streamlit's "plain" (which shows 20 decimals of a float: 95.00000000000001)
    return st.column_config.NumberColumn(label, format="%d", **kwargs)


def percent_column(label: str | None = None, **kwargs: Any) -> Any:
    """A table column of shares (0–1) shown as percentages with one decimal: 79.1%."""
    return st.column_config.NumberColumn(label, format="percent", step=PERCENT_STEP, **kwargs)


def progress_column(label: str | None = None, **kwargs: Any) -> Any:
    """A share (0–1) as a bar with its percentage (one decimal)."""
    return st.column_config.ProgressColumn(label, format="percent", step=PERCENT_STEP, **kwargs)


def column_config(
    frame: pd.DataFrame,
    percent: Iterable[str] = (),
    progress: Iterable[str] = (),
    headings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The formats of ``frame``'s number columns for ``st.dataframe``: ``percent`` and ``progress``
    columns (shares 0–1) as percentages with one decimal, every other integer column a count with
    thousands separators (identifiers excepted, see :func:`is_identifier`).

    ``headings`` maps the frame's column names to the headings shown (when the frame is renamed
    after this call); the config is keyed by the heading.
    """
    headings = headings or {}
    config: dict[str, Any] = {}
    shares, bars = set(percent), set(progress)
    for column in frame.columns:
        shown = headings.get(column, column)
        if column in bars:
            config[shown] = progress_column()
        elif column in shares:
            config[shown] = percent_column()
        elif is_integer_column(frame[column]):
            config[shown] = identifier_column() if is_identifier(column) else count_column()
        elif is_one_decimal_column(frame[column]):
            config[shown] = one_decimal_column()
    return config


def one_decimal_column(label: str | None = None, **kwargs: Any) -> Any:
    """A table column of measured values kept to one decimal (scores, their changes): 76.0 beside
    92.7, not 76 beside 92.7."""
    return st.column_config.NumberColumn(label, format="%.1f", **kwargs)


def is_one_decimal_column(series: pd.Series) -> bool:
    """Floats that all carry at most one decimal (a score rounded to 0.1), some of them whole: shown
    with one decimal each. Floats with more decimals keep them (a weight of 0.25 is not 0.2)."""
    if not pd.api.types.is_float_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    values = series.dropna()
    if not len(values):
        return False
    tenths = values * 10
    return bool(((tenths - tenths.round()).abs() < 1e-6).all())


def is_integer_column(series: pd.Series) -> bool:
    """Whole numbers: an integer dtype, or floats that are all whole (integers with gaps)."""
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_integer_dtype(series):
        return True
    if series.dtype == object:  # ints held as objects (rows read as dicts)
        return pd.api.types.infer_dtype(series, skipna=True) == "integer"
    if pd.api.types.is_float_dtype(series):
        values = series.dropna()
        return bool(len(values)) and bool((values == values.round()).all()) and values.abs().max() >= 1
    return False
