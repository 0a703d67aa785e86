"""The quality-credit blacklist's life cycle (质量失信黑名单), as pure rules.

Source: docs/blacklist.md; the plan (湘乡政办发〔2017〕46号)
"探索建立产品质量安全档案和质量失信'黑名单'". A case moves

    proposed → notified → listed → published → expired | repaired | revoked

(a decision-maker may also reject a proposed or notified case, and a case
listed but not yet published may be removed the same three ways). Every
move is a new event; nothing is deleted. Functions here take and return
plain values (dicts, dates); persisting them is ``data.blacklist_store``'s job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from traceboard.blacklist.moves import check_allowed
from traceboard.data.vocabulary import (  # noqa: F401  (the stages, for the pages and the rules)
    AWAITING_DECISION,
    IN_FORCE,
    OPEN_STATES,
    REMOVALS,
)
from traceboard.decision_dates import DecisionDateRefused, check_decision_date
from traceboard.i18n import Message

MOVES: dict[str, tuple[str, ...]] = {
    "proposed": ("notified", "rejected"),
    "notified": ("listed", "rejected"),
    "listed": ("published", "expired", "repaired", "revoked"),
    "published": ("expired", "repaired", "revoked"),
    "expired": (),
    "repaired": (),
    "revoked": (),
    "rejected": (),
}
REPAIR_CONDITIONS = (
    "obligations_fulfilled",  # 履行相关义务
    "rectified",  # 纠正失信行为
    "no_new_serious_penalty",  # 未再受到严重行政处罚
    "credit_commitment_signed",  # 签署信用承诺书
)
DEFAULT_EXPIRY_YEARS = 3
DEFAULT_REPAIR_AFTER_YEARS = 1


class IllegalMove(ValueError):
    """A move the life cycle does not allow, or one whose conditions are not met."""


@dataclass(frozen=True)
class Move:
    """One requested move of a case: the new state and what the decision records."""

    to_state: str
    on: dt.date
    decided_by: str
    reason: str | None = None
    legal_basis: str | None = None
    authority: str | None = None
    remedies: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole calendar years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def expiry_date(listed_on: dt.date, years: int = DEFAULT_EXPIRY_YEARS) -> dt.date:
    """The day a listing expires: ``years`` (default 3) after the listing date (docs/blacklist.md)."""
    return add_years(listed_on, years)


def earliest_repair_date(listed_on: dt.date, years: int = DEFAULT_REPAIR_AFTER_YEARS) -> dt.date:
    """The first day a credit repair (信用修复) may take effect: ``years`` (default 1) after listing."""
    return add_years(listed_on, years)


def allowed_moves(state: str) -> tuple[str, ...]:
    """The states a case in ``state`` may move to (empty for a closed case)."""
    if state not in MOVES:
        raise IllegalMove(Message("refusals.case_unknown_state", state=state, states=", ".join(MOVES)))
    return MOVES[state]


def check_move(state: str, to_state: str) -> None:
    """Raise IllegalMove naming the allowed moves unless ``state → to_state`` is legal."""
    check_allowed(
        state,
        to_state,
        allowed_moves(state),
        state_name=case_state,
        move_key="refusals.case_move",
        closed_key="refusals.case_closed",
        refusal=IllegalMove,
    )


def check_repair(
    listed_on: dt.date, on: dt.date, details: dict[str, Any], years: int = DEFAULT_REPAIR_AFTER_YEARS
) -> None:
    """Raise IllegalMove unless a repair on ``on`` is late enough and all four conditions hold."""
    earliest = earliest_repair_date(listed_on, years)
    if on < earliest:
        raise IllegalMove(
            Message(
                "refusals.repair_too_early",
                earliest=earliest.isoformat(),
                years=years,
                listed_on=listed_on.isoformat(),
                on=on.isoformat(),
            )
        )
    missing = [c for c in REPAIR_CONDITIONS if details.get(c) is not True]
    if missing:
        raise IllegalMove(Message("refusals.repair_conditions", missing=", ".join(missing)))


def apply_move(entry: dict[str, Any], move: Move, repair_after_years: int = DEFAULT_REPAIR_AFTER_YEARS):
    """Check ``move`` against ``entry`` and return ``(changes, event)``.

    ``entry`` holds the case's fields (state, listed_on, authority, legal_basis,
    remedies, ...); ``changes`` are the fields to update; ``event`` the
    BlacklistEvent's fields. Raises IllegalMove with the reason for refusal.
    """
    state = entry["state"]
    check_move(state, move.to_state)
    dated(move.on, Message("refusals.what.case_move", to_state=case_state(move.to_state)))
    if move.on < _last_date(entry):
        raise IllegalMove(
            Message(
                "refusals.case_move_before_last", on=move.on.isoformat(), last=_last_date(entry).isoformat()
            )
        )
    changes = _changes_for(entry, move, repair_after_years)
    event = {
        "from_state": state,
        "to_state": move.to_state,
        "occurred_on": move.on,
        "reason": move.reason,
        "legal_basis": move.legal_basis or entry.get("legal_basis"),
        "authority": changes.get("authority") or move.authority or entry.get("authority"),
        "details": dict(move.details),
        "decided_by": move.decided_by,
    }
    return {"state": move.to_state, **changes}, event


def case_state(state: str) -> Message:
    """A case state's name in messages (拟列入 … 不予列入)."""
    return Message(f"refusals.case_state.{state}")


def dated(on: dt.date, what: str | Message, previous: dt.date | None = None) -> dt.date:
    """``on`` if a blacklist decision may carry it (not after today, not before ``previous``)."""
    try:
        return check_decision_date(on, previous=previous, what=what)
    except DecisionDateRefused as exc:
        raise IllegalMove(*exc.args) from None


def _last_date(entry: dict[str, Any]) -> dt.date:
    # ``last_moved_on``: the date of the case's latest event (the store supplies it).
    return entry.get("last_moved_on") or entry["proposed_on"]


def _changes_for(entry: dict[str, Any], move: Move, repair_after_years: int) -> dict[str, Any]:
    if move.to_state == "notified":
        remedies = move.remedies or entry.get("remedies")
        if not remedies:
            raise IllegalMove(Message("refusals.notify_needs_remedies"))
        return {"remedies": remedies}
    if move.to_state == "listed":
        authority = move.authority or entry.get("authority")
        if not authority:
            raise IllegalMove(Message("refusals.list_needs_authority"))
        return {"authority": authority, "listed_on": move.on}
    if move.to_state == "published":
        return {"published_on": move.on}
    if move.to_state == "rejected":
        return {"removal_reason": _need_reason(move), "removed_on": move.on}
    if move.to_state == "repaired":
        check_repair(entry["listed_on"], move.on, move.details, repair_after_years)
    return {
        "removed_on": move.on,
        "removal_reason": _need_reason(move),
        "removal_authority": move.authority or entry.get("authority"),
    }


def _need_reason(move: Move) -> str:
    if not (move.reason or "").strip():
        raise IllegalMove(Message("refusals.move_needs_reason", to_state=case_state(move.to_state)))
    return move.reason.strip()


def find_expired(entries: list[dict[str, Any]], as_of: dt.date, years: int = DEFAULT_EXPIRY_YEARS):
    """The cases in force whose listing expired on or before ``as_of``.

    Input: case dicts with ``id``, ``state``, ``listed_on``. Output: a list of
    ``(id, expiry date)`` in id order — the expiry date is the move's date.
    """
    due = [
        (e["id"], expiry_date(e["listed_on"], years))
        for e in entries
        if e["state"] in IN_FORCE and e.get("listed_on") is not None
    ]
    return sorted((i, day) for i, day in due if day <= as_of)


def decide_move(case: dict[str, Any], move: Move, config: dict[str, Any]) -> tuple[dict, dict]:
    """The pure decision of a move, including the risk class: D while listed (issue #7), restored
    on removal when still D. Input: the case dict from the store; output (changes, event)."""
    defaults = config["defaults"]
    if move.to_state == "notified" and not move.remedies and not case.get("remedies"):
        move = Move(**{**move.__dict__, "remedies": defaults["remedies"]})
    changes, event = apply_move(case, move, config["lifecycle"]["repair_after_years"])
    if move.to_state == "listed":
        changes["risk_class"] = "D"
        event["details"] = {**event["details"], "risk_class_before": case.get("risk_class")}
    elif move.to_state in REMOVALS and case["state"] in IN_FORCE and case.get("risk_class") == "D":
        changes["risk_class"] = case.get("risk_class_before_listing")
    return changes, event
