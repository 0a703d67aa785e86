"""Rules across the columns of a row: sub-category within its sector, default department,
and the traceability facts that must agree (issue #3, "Validation before writing").

Each rule works on whole columns with boolean masks; sub-categories are
matched once per distinct (sector, name) pair.
"""

from __future__ import annotations

import pandas as pd

from traceboard.files.importers.lookups import Lookups
from traceboard.files.importers.normalise import closest, map_unique, nones, reason_column
from traceboard.files.importers.specs import ELEMENT_COLUMNS, SPECS
from traceboard.i18n import Message

# Natural keys of the kinds written by the generic upsert (credit codes are checked as codes).
KEYS = {
    "inspectors": ("cert_no",),
    "conflicts": ("inspector_id", "enterprise_id"),
    "inspections": ("enterprise_id", "department_id", "checked_on"),
    "milestones": ("department_id", "kind"),
    "publicity": ("unit_id", "held_on", "title"),
    "traceability": ("enterprise_id",),
    "reports": ("unit_id", "period"),
    "duty-records": ("unit_id", "duty_id", "occurred_on", "kind", "enterprise_id", "document_no"),
    "county-rates": ("county", "year"),
    "trace-events": ("enterprise_id", "kind", "occurred_on"),
    "blacklist": ("enterprise_id", "proposed_on"),
    "alerts": ("title", "published_on"),
}
CASE_STEPS = ("proposed_on", "notified_on", "listed_on", "published_on", "removed_on")
YEARS = (2000, 2100)  # the years a county's published rate may be for


def check_rules(
    kind: str, values: pd.DataFrame, text: pd.DataFrame, headers: dict[str, str], lookups: Lookups
) -> list[pd.DataFrame]:
    """Problems found across columns; fills derived values in ``values`` (sub-category ids, defaults).

    Input: typed ``values`` and the cell ``text`` (same index and columns),
    the file's headers by column key. Output: problem frames (row, column,
    value, reason).
    """
    problems: list[pd.DataFrame] = []
    flag = _flagger(kind, text, headers, problems)
    if kind == "enterprises":
        _match_subcategories(values, lookups, flag)
        _default_departments(values, lookups)
    if kind == "milestones":
        _combine_elements(values, text, flag)
        _plan_due_dates(values, text, lookups, flag)
    if kind == "county-rates" and "year" in values:
        year = pd.to_numeric(values["year"], errors="coerce")
        flag(
            year.notna() & ~year.between(*YEARS),
            "year",
            Message("validation.year_range", low=YEARS[0], high=YEARS[1]),
        )
    if kind == "blacklist":
        _check_case(values, flag)
    if kind == "alerts":
        _check_alert(values, flag)
    if kind in KEYS:
        _check_unique(values, KEYS[kind], flag, SPECS[kind])
    if kind in ("enterprises", "traceability") and "adopted" in values:
        _check_traceability(values, text, flag)
    return problems


def _combine_elements(values: pd.DataFrame, text: pd.DataFrame, flag) -> None:
    """A plan's elements: the list in 方案要素, or the 是 of the per-element columns; both must agree.

    The result is ``elements`` (a tuple in the plan's order, or None when the row says nothing
    about them); the per-element columns are dropped. Elements belong to 实施方案报送 only.
    """
    columns = [c for c in ELEMENT_COLUMNS if c.key in values]
    listed = _column(values, "elements")
    ticked = pd.Series([None] * len(values), index=values.index, dtype=object)
    if columns:
        answers = values[[c.key for c in columns]]
        said = answers.notna().any(axis=1)
        chosen = [tuple(c.header for c in columns if row[c.key] is True) for _, row in answers.iterrows()]
        ticked = pd.Series(chosen, index=values.index, dtype=object).where(said, None)
        for column in columns:
            del values[column.key]
    both = listed.notna() & ticked.notna()
    disagree = both & (
        listed.map(lambda e: e if e is None else set(e)) != ticked.map(lambda e: e if e is None else set(e))
    )
    flag(disagree, "elements", Message("validation.elements_disagree"))
    combined = listed.where(listed.notna(), ticked)
    kind = _column(values, "kind")
    elsewhere = combined.map(bool) & combined.notna() & kind.notna() & (kind != "plan_submitted")
    flag(elsewhere, "elements", Message("validation.elements_elsewhere"))
    values["elements"] = combined


def _dates(values: pd.DataFrame, key: str) -> pd.Series:
    return pd.to_datetime(_column(values, key), errors="coerce")


def _check_case(values: pd.DataFrame, flag) -> None:
    """A case's history in order: proposed, notified, listed, published, then removed (or rejected)."""
    latest = _dates(values, "proposed_on")
    for step in CASE_STEPS[1:]:
        day = _dates(values, step)
        flag(day.notna() & latest.notna() & (day < latest), step, Message("validation.step_earlier"))
        latest = day.where(day.notna(), latest)
    given = {step: _dates(values, step).notna() for step in CASE_STEPS}
    flag(given["listed_on"] & ~given["notified_on"], "listed_on", Message("validation.listed_unnotified"))
    flag(
        given["published_on"] & ~given["listed_on"], "published_on", Message("validation.published_unlisted")
    )
    ending = _column(values, "ending")
    flag(ending.notna() & ~given["removed_on"], "removed_on", Message("validation.ending_date_missing"))
    flag(ending.isna() & given["removed_on"], "ending", Message("validation.ending_missing"))
    flag((ending == "rejected") & given["listed_on"], "ending", Message("validation.listed_rejected"))
    removed = ending.notna() & (ending != "rejected")
    flag(removed & ~given["listed_on"], "ending", Message("validation.removed_unlisted"))
    source = _column(values, "source_department_id").notna(), _dates(values, "source_checked_on").notna()
    flag(source[0] ^ source[1], "source_checked_on", Message("validation.source_together"))
    checked = _dates(values, "source_checked_on")  # a proposal cannot precede the check it cites
    proposed = _dates(values, "proposed_on")
    flag(
        checked.notna() & proposed.notna() & (proposed < checked),
        "proposed_on",
        Message("validation.proposal_before_check"),
    )


def _check_alert(values: pd.DataFrame, flag) -> None:
    """Approval no later than publication (a blank approval date is the publication's, as a
    decision date of docs/blacklist.md), withdrawal no earlier; the state follows from them."""
    published, withdrawn = _dates(values, "published_on"), _dates(values, "withdrawn_on")
    approved = _dates(values, "approved_on")
    flag(
        approved.notna() & published.notna() & (approved > published),
        "approved_on",
        Message("validation.approved_after_publication"),
    )
    values["approved_on"] = _column(values, "approved_on").where(
        approved.notna(), _column(values, "published_on")
    )
    flag(
        withdrawn.notna() & published.notna() & (withdrawn < published),
        "withdrawn_on",
        Message("validation.before_publication"),
    )
    reason = _column(values, "withdrawn_reason")
    flag(reason.notna() & withdrawn.isna(), "withdrawn_on", Message("validation.withdrawal_reason_alone"))
    values["state"] = pd.Series("published", index=values.index, dtype=object).where(
        withdrawn.isna(), "withdrawn"
    )


def _plan_due_dates(values: pd.DataFrame, text: pd.DataFrame, lookups: Lookups, flag) -> None:
    """A blank due date is the plan's for that unit and milestone; without one in the plan it is missing."""
    pairs = pd.Series(list(zip(_column(values, "department_id"), _column(values, "kind"), strict=True)))
    planned = pairs.map(lambda p: lookups.milestones_due.get(p)).set_axis(values.index)
    given = _column(values, "due_on")
    blank = _blank(text, "due_on")
    values["due_on"] = given.where(given.notna() | ~blank, planned).astype(object)
    named = _column(values, "department_id").notna() & _column(values, "kind").notna()
    flag(
        blank & planned.isna() & named,
        "due_on",
        Message("validation.due_missing"),
    )


def _check_unique(values: pd.DataFrame, keys: tuple[str, ...], flag, spec) -> None:
    # One file, one row per record: a second row with the same key would silently win.
    # An optional part of a key (a duty record's document number) may be blank: blank is its value.
    mandatory = [k for k in keys if spec.column(k).mandatory]
    if any(k not in values for k in mandatory):
        return
    present = [k for k in keys if k in values]
    frame = values[present].astype(str)
    filled = values[mandatory].notna().all(axis=1)
    first = pd.Series(values.index, index=values.index).groupby([frame[k] for k in present]).transform("min")
    repeated = filled & frame.duplicated(keep="first")
    said = pd.Series(
        [Message("validation.duplicate_row", first=int(row)) for row in first[repeated]],
        index=first.index[repeated],
        dtype=object,
    )
    flag(repeated, keys[0], said.reindex(values.index))


def _column(values: pd.DataFrame, key: str) -> pd.Series:
    if key in values:
        return values[key].astype(object)
    return nones(values.index)


def _flagger(kind: str, text: pd.DataFrame, headers: dict[str, str], out: list):
    spec = SPECS[kind]

    def flag(mask: pd.Series, key: str, reason: str | pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        header = headers.get(key, spec.column(key).header)
        cells = text[key][mask] if key in text else pd.Series("", index=mask.index[mask])
        reasons = reason[mask] if isinstance(reason, pd.Series) else [reason] * int(mask.sum())
        out.append(
            pd.DataFrame(
                {
                    "row": mask.index[mask],
                    "column": header,
                    "value": cells.to_numpy(),
                    "reason": reason_column(reasons),
                }
            )
        )

    return flag


def _match_subcategories(values: pd.DataFrame, lookups: Lookups, flag) -> None:
    if "subcategory_id" not in values:
        values["subcategory_id"] = None
        return
    subs = lookups.subcategories
    table = {(int(s), n): int(i) for s, n, i in zip(subs["sector_id"], subs["name"], subs["id"], strict=True)}
    pairs = pd.Series(list(zip(values["sector_id"], values["subcategory_id"], strict=True)), dtype=object)
    verdicts = map_unique(pairs, lambda p: _match_one(p, table, subs, lookups)).tolist()
    values["subcategory_id"] = pd.Series([v[0] for v in verdicts], index=values.index, dtype=object)
    reasons = pd.Series([v[1] for v in verdicts], index=values.index, dtype=object)
    flag(reasons.notna(), "subcategory_id", reasons)


def _match_one(pair, table, subs: pd.DataFrame, lookups: Lookups) -> tuple[int | None, str | None]:
    sector_id, name = pair
    if name is None or sector_id is None:
        return None, None
    found = table.get((int(sector_id), name))
    if found is not None:
        return found, None
    sector = lookups.sector_names[int(sector_id)]
    owners = [lookups.sector_names[int(s)] for s in subs.loc[subs["name"] == name, "sector_id"]]
    if owners:
        return None, Message(
            "validation.subcategory_elsewhere", name=name, owners="、".join(owners), sector=sector
        )
    names = subs.loc[subs["sector_id"] == int(sector_id), "name"].tolist()
    guess = closest(name, names, cutoff=0.4)
    if guess:
        return None, Message("validation.subcategory_guess", name=name, sector=sector, guess=guess)
    return None, Message("validation.subcategory_unknown", name=name, sector=sector, known="、".join(names))


def _default_departments(values: pd.DataFrame, lookups: Lookups) -> None:
    # The plan: the sub-category's supervising department, else the sector's lead.
    subs = lookups.subcategories
    by_sub = dict(zip(subs["id"].astype(int), subs["department_id"].astype(int), strict=True))
    default = map_unique(values["subcategory_id"], by_sub.get)
    by_sector = map_unique(values["sector_id"], lookups.sector_leads.get)
    default = default.where(default.notna(), by_sector)
    given = _column(values, "department_id")
    values["department_id"] = given.where(given.notna(), default).astype(object)


def _blank(text: pd.DataFrame, key: str) -> pd.Series:
    # Blank in the file (a cell with an unreadable date has its own error already).
    return text[key].eq("") if key in text else pd.Series(True, index=text.index)


def _check_traceability(values: pd.DataFrame, text: pd.DataFrame, flag) -> None:
    adopted = _column(values, "adopted") == True  # noqa: E712  (None is neither)
    said_no = _column(values, "adopted") == False  # noqa: E712
    connected = _column(values, "connected") == True  # noqa: E712
    flag(adopted & _blank(text, "adopted_on"), "adopted_on", Message("validation.adoption_date_missing"))
    missing = Message("validation.connection_date_missing")
    flag(connected & _blank(text, "connected_on"), "connected_on", missing)
    flag(connected & said_no, "connected", Message("validation.connected_unadopted"))
