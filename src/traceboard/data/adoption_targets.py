"""Adoption targets per sector and year: read and check ``config/targets.toml``.

The plan (湘乡政办发〔2017〕46号, part 二) names the milestones — 2019 initial
coverage, 2020 interconnection — but no numbers; the numbers in the file are
the leading group office's assumptions and the file says so.
"""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

import pandas as pd

from traceboard import config
from traceboard.data.toml_files import unreadable_toml
from traceboard.i18n import Message

KINDS = ("adoption", "connection")


class InvalidTargets(ValueError):
    """A targets file that cannot be used (the message names the file and the fault)."""


def targets_path() -> Path:
    """``TRACEBOARD_TARGETS`` or the packaged ``config/targets.toml``."""
    default = config.PACKAGE_ROOT / "config" / "targets.toml"
    return Path(os.environ.get("TRACEBOARD_TARGETS", default))


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """The targets as a long table.

    Output columns: ``sector`` (sector code of the reference data), ``year``
    (int), ``kind`` (``adoption`` or ``connection``), ``target`` (fraction in
    [0, 1]); sorted by sector, kind, year. ``attrs`` carries ``milestones``
    ({year: {"zh", "en"}}), ``assumptions`` (the file's caveat, {"zh", "en"}) and ``assumption``
    (the caveat in both languages, one line).
    """
    path = path or targets_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidTargets(unreadable_toml("store.targets.unreadable", path, exc)) from None
    rows = [
        (code, _year(path, year), kind, _fraction(path, code, year, value))
        for code, sector in data.get("sectors", {}).items()
        for kind in KINDS
        for year, value in sector.get(kind, {}).items()
    ]
    if not rows:
        raise InvalidTargets(Message("store.targets.none", file=str(path)))
    table = pd.DataFrame(rows, columns=["sector", "year", "kind", "target"])
    table = table.sort_values(["sector", "kind", "year"], ignore_index=True)
    table.attrs["milestones"] = {_year(path, y): v for y, v in data.get("milestones", {}).items()}
    caveat = data.get("assumption", "")
    by_language = {k: str(caveat.get(k, "")) for k in ("zh", "en")} if isinstance(caveat, dict) else None
    by_language = by_language or {"zh": str(caveat), "en": str(caveat)}
    table.attrs["assumptions"] = by_language
    table.attrs["assumption"] = (  # both languages, for the command line
        by_language["zh"]
        if by_language["zh"] == by_language["en"]
        else f"{by_language['zh']} ({by_language['en']})"
    )
    return table


def _year(path: Path, year: str) -> int:
    if not str(year).isdigit():
        raise InvalidTargets(Message("store.targets.not_year", file=str(path), year=str(year)))
    return int(year)


def _fraction(path: Path, code: str, year: str, value: object) -> float:
    if not isinstance(value, int | float) or not (0 <= value <= 1) or math.isnan(value):
        raise InvalidTargets(Message("store.targets.fraction", file=str(path), sector=code, year=year))
    return float(value)
