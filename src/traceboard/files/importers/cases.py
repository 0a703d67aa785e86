"""Blacklist cases recorded before traceboard (or elsewhere): one row per case with the date of each step.

A row says when the case was opened (立案), notified, listed, published and how it
ended; the case's history is those steps in order, one event each. A case is known by
its enterprise and opening date: a case already in the record is left alone when the
file tells the same history, and refused (by row) when it tells another — a recorded
case moves on through the blacklist workflow, not by overwriting its history.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select

from traceboard.data import models as m
from traceboard.data.frame import read_frame
from traceboard.data.vocabulary import CASE_ENDINGS, REMOVALS
from traceboard.files.importers.normalise import reason_column
from traceboard.files.importers.rules import CASE_STEPS
from traceboard.files.importers.specs import SPECS
from traceboard.files.importers.upsert import lock_for_import, to_days
from traceboard.i18n import Message

STEP_STATE = {
    "proposed_on": "proposed",
    "notified_on": "notified",
    "listed_on": "listed",
    "published_on": "published",
}
ENTRY_FIELDS = ("grounds", "legal_basis", "authority", "remedies", "removal_reason", "removal_authority")


def case_history(row: dict) -> list[tuple[str, object]]:
    """The (state, date) steps a row describes, in order."""
    steps = [(state, row[step]) for step, state in STEP_STATE.items() if _given(row.get(step))]
    if _given(row.get("ending")) and _given(row.get("removed_on")):
        steps.append((row["ending"], row["removed_on"]))
    return steps


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))


def _histories(conn: Connection) -> dict[tuple[int, object], list[tuple[str, object]]]:
    entry, ev = m.BlacklistEntry, m.BlacklistEvent
    rows = conn.execute(
        select(entry.enterprise_id, entry.proposed_on, ev.to_state, ev.occurred_on)
        .join(ev, ev.entry_id == entry.id)
        .order_by(entry.id, ev.occurred_on, ev.id)
    ).all()
    out: dict[tuple[int, object], list[tuple[str, object]]] = {}
    for enterprise_id, proposed_on, state, day in rows:
        out.setdefault((int(enterprise_id), proposed_on), []).append((state, day))
    return out


def _source_checks(conn: Connection) -> dict[tuple[int, int, object], int]:
    ins = m.Inspection
    rows = conn.execute(select(ins.id, ins.enterprise_id, ins.department_id, ins.checked_on).order_by(ins.id))
    out: dict[tuple[int, int, object], int] = {}
    for check_id, enterprise_id, department_id, day in rows:
        out.setdefault((int(enterprise_id), int(department_id), day), int(check_id))
    return out


NO_SOURCE = Message("validation.no_source_check")
OTHER_HISTORY = Message("validation.other_history")


def check_cases(
    engine: Engine, values: pd.DataFrame, text: pd.DataFrame, headers: dict
) -> list[pd.DataFrame]:
    """Problems against the record: the source check must exist; a recorded case must tell the same
    history. Fills ``source_inspection_id`` and ``_known`` (the case is already recorded)."""
    spec = SPECS["blacklist"]
    with engine.connect() as conn:
        histories, checks = _histories(conn), _source_checks(conn)
    problems, source_ids, known = [], [], []
    for row_no, row in values.astype(object).where(values.notna(), None).iterrows():
        row = row.to_dict()
        source = None
        if row.get("source_department_id") is not None and row.get("source_checked_on") is not None:
            key = (int(row["enterprise_id"] or 0), int(row["source_department_id"]), row["source_checked_on"])
            source = checks.get(key)
            if source is None and row.get("enterprise_id") is not None:
                problems.append(_problem(row_no, "source_checked_on", text, headers, spec, NO_SOURCE))
        source_ids.append(source)
        recorded = histories.get((int(row["enterprise_id"] or 0), row["proposed_on"]))
        known.append(recorded is not None)
        if recorded is not None and recorded != case_history(row):
            problems.append(_problem(row_no, "proposed_on", text, headers, spec, OTHER_HISTORY))
    values["source_inspection_id"] = pd.Series(source_ids, index=values.index, dtype=object)
    values["_known"] = pd.Series(known, index=values.index, dtype=bool)
    return problems


def _problem(row_no, key, text, headers, spec, reason) -> pd.DataFrame:
    header = headers.get(key, spec.column(key).header)
    value = text[key].get(row_no, "") if key in text else ""
    return pd.DataFrame(
        {"row": [row_no], "column": [header], "value": [value], "reason": reason_column([reason])}
    )


def write_cases(conn: Connection, values: pd.DataFrame, actor: str) -> dict[str, int]:
    """Insert the cases not yet recorded with their events; return counts added and unchanged."""
    lock_for_import(conn, m.BlacklistEntry.__table__)
    new = values[~values["_known"]].astype(object)
    new = new.where(new.notna(), None)
    for _, row in new.iterrows():
        row = row.to_dict()
        history = case_history(row)
        ending = row.get("ending")
        entry = {
            "enterprise_id": int(row["enterprise_id"]),
            "state": history[-1][0],
            "source_inspection_id": row.get("source_inspection_id"),
            "proposed_on": row["proposed_on"],
            "listed_on": row.get("listed_on"),
            "published_on": row.get("published_on"),
            "removed_on": row.get("removed_on") if ending in REMOVALS else None,
        } | {f: row.get(f) for f in ENTRY_FIELDS}
        entry_id = conn.execute(m.BlacklistEntry.__table__.insert().values(entry)).inserted_primary_key[0]
        previous = None
        events = []
        for state, day in history:
            events.append(
                {
                    "entry_id": entry_id,
                    "from_state": previous,
                    "to_state": state,
                    "occurred_on": day,
                    "reason": row["grounds"] if state == "proposed" else row.get("removal_reason"),
                    "legal_basis": row["legal_basis"],
                    "authority": row.get("removal_authority") if ending == state else row.get("authority"),
                    "details": {},
                    "decided_by": actor,
                }
            )
            previous = state
        conn.execute(m.BlacklistEvent.__table__.insert(), events)
    return {"added": len(new), "updated": 0, "unchanged": int(values["_known"].sum())}


def load_cases(conn: Connection) -> pd.DataFrame:
    """Every case as a row of the file: the spec's keys, dates as day numbers like ``load_existing``."""
    entry, ins = m.BlacklistEntry, m.Inspection
    cases = read_frame(
        conn,
        select(
            entry.id,
            entry.enterprise_id,
            entry.proposed_on,
            entry.grounds,
            entry.legal_basis,
            ins.department_id.label("source_department_id"),
            ins.checked_on.label("source_checked_on"),
            *(getattr(entry, f) for f in ENTRY_FIELDS if f not in ("grounds", "legal_basis")),
        )
        .outerjoin(ins, ins.id == entry.source_inspection_id)
        .order_by(entry.id),
    )
    events = read_frame(
        conn,
        select(m.BlacklistEvent.entry_id, m.BlacklistEvent.to_state, m.BlacklistEvent.occurred_on).order_by(
            m.BlacklistEvent.id
        ),
    )
    steps = events.drop_duplicates(["entry_id", "to_state"], keep="last")
    by_state = steps.pivot(index="entry_id", columns="to_state", values="occurred_on")
    for step, state in STEP_STATE.items():
        cases[step] = cases["id"].map(by_state[state]) if state in by_state else None
    endings = steps[steps["to_state"].isin(CASE_ENDINGS)]
    last = endings.drop_duplicates("entry_id", keep="last").set_index("entry_id")
    cases["ending"] = cases["id"].map(last["to_state"])
    cases["removed_on"] = cases["id"].map(last["occurred_on"])
    for column in (*CASE_STEPS, "source_checked_on"):
        cases[column] = to_days(pd.to_datetime(cases[column]))
    return cases
