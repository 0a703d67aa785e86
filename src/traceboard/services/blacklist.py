"""Acts on the record: propose and move blacklist cases, draft and move consumer alerts.

Each function takes the acting user (``Actor``), checks the permission itself
(data.authz), and hands the pure rule (lifecycle / alerts) to the store as
the ``decide`` step of one transaction, so the check and the write see the
same row. The engine is only passed through: sessions are opened in data/.
The pages and commands read cases, alerts, templates and sectors through the
names this module re-exports from the stores.
Source: docs/blacklist.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from traceboard.accounts.accounts import list_users
from traceboard.accounts.authz import PERMISSIONS, Actor, require
from traceboard.blacklist.alerts import (
    ALERT_MOVES,
    AlertDraft,
    AlertRefused,
    check_draft,
    plan_alert_move,
)
from traceboard.blacklist.lifecycle import (
    IN_FORCE,
    IllegalMove,
    Move,
    allowed_moves,
    dated,
    decide_move,
    find_expired,
)
from traceboard.blacklist.rules import proposal_rules, suggest_proposals
from traceboard.data import blacklist_store as store
from traceboard.data.blacklist_config import (  # noqa: F401  (re-exported for the faces)
    ConfigError,
    load_alert_templates,
    load_blacklist_rules,
)
from traceboard.data.blacklist_store import (  # noqa: F401  (re-exported for the faces)
    ALERT_LISTING,
    NotFound,
    load_alerts,
    load_case_events,
    load_cases,
)
from traceboard.data.public_record import (
    load_check_results,
    load_enterprise_names,
    load_public_cases,  # noqa: F401  (re-exported for the faces)
)
from traceboard.data.reference import load_sectors  # noqa: F401  (re-exported for the faces)
from traceboard.i18n import Message

MOVE_PERMISSIONS = {"published": "blacklist.publish"}
ALERT_PERMISSIONS = {"approved": "alert.approve", "published": "alert.publish", "withdrawn": "alert.publish"}


def propose_case(
    engine: Engine,
    actor: Actor,
    uscc: str,
    grounds: str,
    legal_basis: str | None = None,
    source_inspection_id: int | None = None,
    on: dt.date | None = None,
) -> int:
    """Propose listing the enterprise ``uscc``; return the new case id. Permission blacklist.propose
    (an inspector only for enterprises of the inspector's department)."""
    day = dated(on or dt.date.today(), Message("refusals.what.proposal"))
    basis = legal_basis or load_blacklist_rules()["defaults"]["legal_basis"]
    if not grounds.strip():
        raise IllegalMove(Message("refusals.proposal_needs_grounds"))

    def decide(facts: dict[str, Any]):
        require(actor, "blacklist.propose", department_id=facts["department_id"])
        if facts["open_case_ids"]:
            raise IllegalMove(
                Message("refusals.case_open", uscc=facts["uscc"], case=facts["open_case_ids"][0])
            )
        if source_inspection_id is not None and facts["inspection_enterprise_id"] != facts["id"]:
            raise IllegalMove(
                Message("refusals.source_not_of", check=source_inspection_id, uscc=facts["uscc"])
            )
        checked_on = facts["inspection_checked_on"]
        if checked_on is not None and day < checked_on:  # a proposal cites a check it followed
            raise IllegalMove(
                Message(
                    "refusals.proposal_before_check",
                    on=day.isoformat(),
                    check=source_inspection_id,
                    checked=checked_on.isoformat(),
                )
            )
        fields = {"state": "proposed", "grounds": grounds.strip(), "legal_basis": basis, "proposed_on": day}
        event = {
            "from_state": None,
            "to_state": "proposed",
            "occurred_on": day,
            "reason": grounds.strip(),
            "legal_basis": basis,
            "authority": None,
            "details": {},
            "decided_by": actor.username,
        }
        return {**fields, "source_inspection_id": source_inspection_id}, event

    return store.insert_case(engine, uscc, source_inspection_id, decide, actor.username)


def move_case(engine: Engine, actor: Actor, entry_id: int, move: Move) -> dict[str, Any]:
    """Move case ``entry_id`` (permission blacklist.decide; publishing: blacklist.publish)."""
    require(actor, MOVE_PERMISSIONS.get(move.to_state, "blacklist.decide"))
    move = Move(**{**move.__dict__, "decided_by": actor.username})
    config = load_blacklist_rules()
    return store.update_case(engine, entry_id, lambda case: decide_move(case, move, config), actor.username)


def expire_cases(engine: Engine, actor: Actor, as_of: dt.date) -> list[tuple[int, dt.date]]:
    """Move every case in force whose listing ended on or before ``as_of`` to expired, in one
    transaction; return (case id, expiry date) pairs. Permission blacklist.decide."""
    require(actor, "blacklist.decide")
    dated(as_of, Message("refusals.what.expiry"))
    config = load_blacklist_rules()
    years = config["lifecycle"]["expiry_years"]
    cases = store.load_cases(engine, IN_FORCE)
    due = find_expired(cases.to_dict("records"), as_of, years)
    last = dict(zip(cases["id"], cases["last_moved_on"], strict=True))
    moves = []
    for entry_id, day in due:
        move = Move("expired", max(day, last[entry_id] or day), actor.username, reason=f"列入期满{years}年")
        moves.append((entry_id, lambda case, m=move: decide_move(case, m, config)))
    store.update_cases(engine, moves, actor.username)
    return due


NAME_CHUNK = 10_000  # ids per query: within SQLite's limit on bound parameters


def suggest_cases(engine: Engine) -> pd.DataFrame:
    """Cases the rules suggest from recorded check results, with the enterprise's uscc and name.

    Only the checks whose result a rule looks at are read (docs/blacklist.md, *Which results
    suggest a case*): at a million enterprises about 60,000 of 230,000, most checks finding nothing."""
    rules = proposal_rules(load_blacklist_rules())
    checks = load_check_results(engine, rules.results())
    suggestions = suggest_proposals(checks, store.load_cases(engine), rules)
    # the names of the suggested enterprises only, not of the whole register
    ids = sorted({int(i) for i in suggestions["enterprise_id"]})
    chunks = [ids[i : i + NAME_CHUNK] for i in range(0, len(ids), NAME_CHUNK)] or [[]]
    names = pd.concat([load_enterprise_names(engine, chunk) for chunk in chunks], ignore_index=True)
    names = names.rename(columns={"id": "enterprise_id"})
    return suggestions.merge(names, on="enterprise_id", how="left")


def draft_alert(engine: Engine, actor: Actor, draft: AlertDraft) -> int:
    """Save a draft alert (permission alert.draft); return its id."""
    require(actor, "alert.draft")
    draft = check_draft(draft)
    fields = {
        "title": draft.title,
        "body": draft.body,
        "severity": draft.severity,
        "sector": draft.sector,
        "drafted_by": actor.username,
    }
    return store.insert_alert(engine, fields, draft.usccs, actor.username)


def move_alert(
    engine: Engine,
    actor: Actor,
    alert_id: int,
    to_state: str,
    on: dt.date | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Approve, publish or withdraw an alert (permissions in ALERT_PERMISSIONS)."""
    if to_state not in ALERT_PERMISSIONS:
        moves = tuple(Message(f"refusals.alert_state.{move}") for move in ALERT_PERMISSIONS)
        raise AlertRefused(Message("refusals.unknown_alert_move", move=to_state, moves=moves))
    require(actor, ALERT_PERMISSIONS[to_state])
    day = on or dt.date.today()  # checked against today and the previous step in plan_alert_move
    return store.update_alert(
        engine,
        alert_id,
        lambda alert: plan_alert_move(alert, to_state, actor.username, day, reason),
        actor.username,
    )


def offered_moves(actor: Actor, state: str) -> list[str]:
    """The moves of a case in ``state`` that ``actor``'s role may make (what a page offers)."""
    return [m for m in allowed_moves(state) if actor.can(MOVE_PERMISSIONS.get(m, "blacklist.decide"))]


def offered_alert_moves(actor: Actor, alert: dict[str, Any]) -> list[str]:
    """The moves of ``alert`` that ``actor`` may make; approval is not offered to the drafter."""
    moves = [m for m in ALERT_MOVES[alert["state"]] if actor.can(ALERT_PERMISSIONS[m])]
    return [m for m in moves if not (m == "approved" and alert["drafted_by"] == actor.username)]


def awaits_second_approver(actor: Actor, alert: dict[str, Any]) -> bool:
    """Whether ``alert`` is a draft that ``actor`` drafted and, but for that, could approve: the
    four-eyes rule (四眼原则) wants another person's approval, which the page says plainly."""
    return alert["state"] == "draft" and alert["drafted_by"] == actor.username and actor.can("alert.approve")


def approvers(engine: Engine, alert: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Who may approve ``alert``: (the roles holding alert.approve, the active users of those roles
    other than its drafter), both sorted."""
    roles = sorted(PERMISSIONS["alert.approve"])
    with Session(engine) as session:
        users = list_users(session)
    eligible = users[users["role"].isin(roles) & users["active"].astype(bool)]
    return roles, sorted(u for u in eligible["username"] if u != alert["drafted_by"])
