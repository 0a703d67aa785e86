"""The names of the record's categories in the session's language.

In English mode, the categories the city defines are shown by their English names: sectors,
departments and platforms by the ``name_en`` of the reference data (``data/reference/*.toml``),
check results, case states, alert states and severities by the catalogs (``sampling.result.*``,
``blacklist.state.*``, ``blacklist.alert_state.*``, ``blacklist.severity_label.*``). Proper names
stay as registered in both languages: townships (the reference has no romanised names; a place is
found by its Chinese name), enterprises, people, sub-categories. Chinese mode shows everything as
recorded. ``docs/interface.md`` (language section) states the rule.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from traceboard import config
from traceboard.dashboard.i18n import translate
from traceboard.dashboard.state import language
from traceboard.data.reference import load_reference
from traceboard.data.vocabulary import ALERT_LABELS, CASE_LABELS, RESULT_LABELS, SEVERITY_LABELS

_CATALOGS = (
    (RESULT_LABELS, "sampling.result"),
    (CASE_LABELS, "blacklist.state"),
    (ALERT_LABELS, "blacklist.alert_state"),
    (SEVERITY_LABELS, "blacklist.severity_label"),
)


@cache
def _english(reference_path: str) -> dict[str, str]:
    ref = load_reference(reference_path)
    names = {d.name: d.name_en for d in ref.departments if d.name_en}
    names |= {s.name: s.name_en for s in ref.sectors if s.name_en}
    names |= {p.name: p.name_en for p in ref.platforms if getattr(p, "name_en", "")}
    for labels, prefix in _CATALOGS:
        names |= {label: translate(f"{prefix}.{code}", "en") for code, label in labels.items()}
    return names


def english_names() -> dict[str, str]:
    """Chinese name → English name of every category the city defines (see the module's note)."""
    return _english(str(config.reference_path()))


def name(value: object) -> object:
    """``value`` (a sector, department, platform, result, state…) in the session's language."""
    if language() == "zh" or not isinstance(value, str):
        return value
    return english_names().get(value, value)


def localize(frame: pd.DataFrame, columns: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """``frame`` with the category names in ``columns`` (default: every text column) in the
    session's language; unchanged in Chinese mode. Categorical columns keep their order."""
    if language() == "zh" or frame.empty:
        return frame
    english = english_names()
    out = frame.copy()
    for column in columns if columns is not None else frame.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = list(series.cat.categories)
            renamed = [english.get(c, c) if isinstance(c, str) else c for c in cats]
            if len(set(renamed)) == len(renamed):
                out[column] = series.cat.rename_categories(renamed)
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(lambda v: english.get(v, v) if isinstance(v, str) else v)
    return out
