"""Indicator sets of the annual assessment: read and check the TOML files under config/assessment/.

A set is one file per kind of unit (``department`` or ``township``) holding
``from_year``, the grade thresholds and the indicators. The set used for a year
is the file of that kind with the greatest ``from_year`` ≤ the year. A set
whose weights do not sum to 100, or that is otherwise malformed, is refused
with an :class:`InvalidIndicatorSet` naming the file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traceboard import config
from traceboard.data.toml_files import unreadable_toml
from traceboard.i18n import Message

UNIT_KINDS = ("department", "township")
RULES = ("linear", "threshold", "deduction", "capped")
# Classes of departments a set may score apart (分类考核), each on indicators of its own worth 100:
# "lead" leads a sector of the plan's part 三, "support" carries only other duties (docs/assessment.md).
ROLES = ("lead", "support")
REQUIRED = ("code", "name_zh", "name_en", "weight", "measure", "rule", "source")


class InvalidIndicatorSet(ValueError):
    """An indicator set file that cannot be used (the message names the file and the fault)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    weight: float
    measure: str
    rule: str
    source: str
    targets: tuple[tuple[int, float], ...]  # (from year, target), ascending; empty for counts
    params: dict[str, Any]
    plan: str = ""  # the plan's part and the sentence the indicator measures (docs/assessment.md)
    roles: tuple[str, ...] = ()  # the classes of unit it scores; empty: every unit of the set

    def target_for(self, year: int) -> float | None:
        """The target of the greatest year ≤ ``year`` (the first one before any)."""
        if not self.targets:
            return None
        chosen = [t for y, t in self.targets if y <= year]
        return chosen[-1] if chosen else self.targets[0][1]


@dataclass(frozen=True)
class IndicatorSetDef:
    """A checked indicator set: where it came from, its content hash, grades, indicators."""

    unit_kind: str
    from_year: int
    path: str
    title: str
    definition: dict[str, Any]
    sha256: str
    grades: tuple[tuple[str, str, float], ...]  # (name, name_en, min score), descending
    indicators: tuple[Indicator, ...]
    # A unit is graded only when the indicators that apply to it carry at least this many of
    # the set's 100 points (docs/assessment.md, "Who is graded"); else it is 不予评定.
    min_applicable_weight: float = 60.0
    roles: tuple[tuple[str, str, str], ...] = ()  # (code, name, name_en); empty: one class

    def role_name(self, code: str, english: bool = False) -> str:
        return next((en if english else zh for c, zh, en in self.roles if c == code), "")


def kind_name(unit_kind: str) -> Message:
    if unit_kind == "department":
        return Message("store.indicator_set.kind_department")
    return Message("store.indicator_set.kind_township")


def assessment_dir() -> Path:
    return config.PACKAGE_ROOT / "config" / "assessment"


def load_indicator_set(year: int, unit_kind: str, directory: Path | None = None) -> IndicatorSetDef:
    """The checked set of ``unit_kind`` that applies to ``year`` (greatest from_year ≤ year)."""
    if unit_kind not in UNIT_KINDS:
        raise InvalidIndicatorSet(
            Message("store.indicator_set.unknown_kind", kind=str(unit_kind), choices=UNIT_KINDS)
        )
    folder = directory or assessment_dir()
    sets = [read_indicator_set(p) for p in sorted(folder.glob(f"{unit_kind}-*.toml"))]
    usable = [s for s in sets if s.from_year <= year]
    if not usable:
        raise InvalidIndicatorSet(
            Message(
                "store.indicator_set.none_applies", kind=kind_name(unit_kind), folder=str(folder), year=year
            )
        )
    return max(usable, key=lambda s: s.from_year)


def read_indicator_set(path: Path) -> IndicatorSetDef:
    """Read and check one set file; InvalidIndicatorSet (naming the file) when it is unusable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidIndicatorSet(unreadable_toml("store.indicator_set.unreadable", path, exc)) from None
    return _parsed_set(str(path), raw)


@functools.lru_cache(maxsize=32)
def _parsed_set(file: str, raw: bytes) -> IndicatorSetDef:
    """The checked set of a file's content, parsed once per process and content (a changed file is
    read anew). Shared by every caller: read only, as the frozen definition is."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidIndicatorSet(
            unreadable_toml("store.indicator_set.unreadable", Path(file), exc)
        ) from None
    return parse_indicator_set(data, file, hashlib.sha256(raw).hexdigest())


def parse_indicator_set(data: dict[str, Any], path: str, sha256: str | None = None) -> IndicatorSetDef:
    """Check a set given as a dict (as read from TOML); ``path`` names it in messages."""

    def fail(fault: Message) -> InvalidIndicatorSet:
        return InvalidIndicatorSet(Message("store.indicator_set.in_file", file=path, fault=fault))

    if data.get("unit_kind") not in UNIT_KINDS:
        raise fail(Message("store.indicator_set.unit_kind", choices=UNIT_KINDS))
    if not isinstance(data.get("from_year"), int):
        raise fail(Message("store.indicator_set.from_year"))
    items = data.get("indicators") or []
    if not items:
        raise fail(Message("store.indicator_set.no_indicators"))
    indicators = tuple(_parse_indicator(item, i, fail) for i, item in enumerate(items, 1))
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        repeated = tuple(sorted({c for c in codes if codes.count(c) > 1}))
        raise fail(Message("store.indicator_set.codes_repeat", codes=repeated))
    roles = _parse_roles(data.get("roles"), fail)
    for role in [r[0] for r in roles] or [None]:
        scored = [i for i in indicators if role is None or not i.roles or role in i.roles]
        total = sum(i.weight for i in scored)
        if not math.isclose(total, 100.0, abs_tol=1e-9):
            if role:
                raise fail(Message("store.indicator_set.role_weights", role=role, total=f"{total:g}"))
            raise fail(Message("store.indicator_set.weights", total=f"{total:g}"))
    unknown = sorted({r for i in indicators for r in i.roles} - {r[0] for r in roles})
    if unknown:
        raise fail(Message("store.indicator_set.roles_unlisted", roles=tuple(unknown)))
    minimum = data.get("min_applicable_weight", 60)
    if not isinstance(minimum, int | float) or not 0 <= minimum <= 100:
        raise fail(Message("store.indicator_set.min_weight"))
    digest = sha256 or hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return IndicatorSetDef(
        unit_kind=data["unit_kind"],
        from_year=data["from_year"],
        path=path,
        title=str(data.get("title", "")),
        definition=json.loads(json.dumps(data, default=str)),
        sha256=digest,
        grades=_parse_grades(data.get("grades"), fail),
        indicators=indicators,
        min_applicable_weight=float(minimum),
        roles=roles,
    )


def _parse_roles(items: Any, fail) -> tuple[tuple[str, str, str], ...]:
    roles = tuple((str(r["code"]), str(r["name"]), str(r.get("name_en", r["name"]))) for r in items or ())
    unknown = [code for code, _zh, _en in roles if code not in ROLES]
    if unknown:
        raise fail(Message("store.indicator_set.unknown_role", role=unknown[0], choices=ROLES))
    return roles


def _parse_indicator(item: dict[str, Any], number: int, fail) -> Indicator:
    missing = [k for k in REQUIRED if k not in item]
    if missing:
        raise fail(Message("store.indicator_set.lacks", number=number, fields=tuple(missing)))
    code = str(item["code"])
    if item["rule"] not in RULES:
        raise fail(
            Message("store.indicator_set.unknown_rule", code=code, rule=str(item["rule"]), choices=RULES)
        )
    weight = item["weight"]
    if not isinstance(weight, int | float) or weight <= 0:
        raise fail(Message("store.indicator_set.weight", code=code))
    targets = _parse_targets(item, code, fail)
    params = dict(item.get("params") or {})
    if item["rule"] in ("linear", "threshold") and not targets:
        raise fail(Message("store.indicator_set.needs_target", code=code, rule=item["rule"]))
    if item["rule"] in ("deduction", "capped") and not (params.get("per_event", 0) > 0):
        raise fail(Message("store.indicator_set.needs_per_event", code=code, rule=item["rule"]))
    return Indicator(
        code=code,
        name_zh=str(item["name_zh"]),
        name_en=str(item["name_en"]),
        weight=float(weight),
        measure=str(item["measure"]),
        rule=str(item["rule"]),
        source=str(item["source"]),
        targets=targets,
        params=params,
        plan=str(item.get("plan", "")),
        roles=tuple(str(r) for r in item.get("roles", ())),
    )


def _parse_targets(item: dict[str, Any], code: str, fail) -> tuple[tuple[int, float], ...]:
    if "target" in item:
        pairs = [(0, item["target"])]
    else:
        try:
            pairs = [(int(y), t) for y, t in (item.get("targets") or {}).items()]
        except ValueError:
            raise fail(Message("store.indicator_set.targets_keyed", code=code)) from None
    if any(not isinstance(t, int | float) or t <= 0 for _, t in pairs):
        raise fail(Message("store.indicator_set.targets_positive", code=code))
    return tuple(sorted((y, float(t)) for y, t in pairs))


def _parse_grades(grades: Any, fail) -> tuple[tuple[str, str, float], ...]:
    if not grades:
        raise fail(Message("store.indicator_set.no_grades"))
    parsed = [(str(g["name"]), str(g.get("name_en", g["name"])), float(g["min"])) for g in grades]
    mins = [g[2] for g in parsed]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins) or mins[-1] != 0:
        raise fail(Message("store.indicator_set.grades_order"))
    return tuple(parsed)
