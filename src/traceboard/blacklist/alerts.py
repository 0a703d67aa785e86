"""Consumer alerts (消费提示): templates and the draft → approved → published → withdrawn cycle.

Source: the plan's "适时发布消费提示" and issue #7: an alert is drafted from a
template (by sector, from a blacklist listing, from failed checks) or free
text; another user than the drafter approves it; it is published; it may be
withdrawn with a reason and is then still shown, marked withdrawn. Pure
functions over plain values; the store persists them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from traceboard.blacklist.moves import check_allowed
from traceboard.decision_dates import DecisionDateRefused, check_decision_date, day_of
from traceboard.i18n import Message

ALERT_MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("approved", "withdrawn"),
    "approved": ("published", "withdrawn"),
    "published": ("withdrawn",),
    "withdrawn": (),
}
SEVERITIES = ("info", "warning", "serious")
MAX_TITLE = 300


class AlertRefused(ValueError):
    """A move or draft the alert rules do not allow (the message says why)."""


@dataclass(frozen=True)
class AlertDraft:
    """What a drafter writes: title, body, sector code, related enterprises' credit codes, severity."""

    title: str
    body: str
    sector: str | None = None
    usccs: tuple[str, ...] = ()
    severity: str = "info"
    template: str | None = None


def check_draft(draft: AlertDraft) -> AlertDraft:
    """Return ``draft`` with title and body stripped, or raise AlertRefused saying what is wrong."""
    title, body = draft.title.strip(), draft.body.strip()
    if not title or not body:
        raise AlertRefused(Message("refusals.alert_needs_text"))
    if len(title) > MAX_TITLE:
        raise AlertRefused(Message("refusals.alert_title_long", length=len(title), limit=MAX_TITLE))
    if draft.severity not in SEVERITIES:
        raise AlertRefused(
            Message("refusals.alert_severity", severity=draft.severity, known=", ".join(SEVERITIES))
        )
    usccs = tuple(sorted({c.strip().upper() for c in draft.usccs}))
    return AlertDraft(title, body, draft.sector or None, usccs, draft.severity, draft.template)


def plan_alert_move(alert: dict[str, Any], to_state: str, by: str, on: dt.date, reason: str | None = None):
    """Check a move of ``alert`` (dict with state, drafted_by, drafted_at, approved_on, published_on)
    dated ``on`` and return the fields to update.

    Refusals name the allowed moves; approval by the drafter is refused (four
    eyes); a withdrawal needs a reason; the date is never after today nor before the
    previous step (the draft's day, the approval, the publication).
    """
    state = alert["state"]
    check_allowed(
        state,
        to_state,
        ALERT_MOVES[state],
        state_name=alert_state,
        move_key="refusals.alert_move",
        closed_key="refusals.alert_closed",
        refusal=AlertRefused,
    )
    if to_state == "approved":
        if by == alert["drafted_by"]:
            raise AlertRefused(Message("refusals.alert_four_eyes", user=by))
        return {"state": "approved", "approved_by": by, "approved_on": _dated(alert, to_state, on)}
    if to_state == "published":
        return {"state": "published", "published_on": _dated(alert, to_state, on)}
    if not alert.get("published_on"):
        _dated(alert, to_state, on)
    if alert.get("published_on") and on < alert["published_on"]:
        raise AlertRefused(
            Message(
                "refusals.alert_withdrawn_early",
                on=on.isoformat(),
                published=alert["published_on"].isoformat(),
            )
        )
    if not (reason or "").strip():
        raise AlertRefused(Message("refusals.alert_withdraw_reason"))
    return {"state": "withdrawn", "withdrawn_on": on, "withdrawn_reason": reason.strip()}


def previous_step_on(alert: dict[str, Any]) -> dt.date | None:
    """The date of the alert's latest step: its publication, its approval, or the day it was drafted."""
    drafted = alert.get("drafted_at")
    return alert.get("published_on") or alert.get("approved_on") or (day_of(drafted) if drafted else None)


def _dated(alert: dict[str, Any], to_state: str, on: dt.date) -> dt.date:
    """``on`` if the move to ``to_state`` may carry it: not after today, not before the previous step
    (an approval not before the draft, a publication not before the approval); docs/blacklist.md."""
    try:
        return check_decision_date(
            on,
            previous=previous_step_on(alert),
            what=Message("refusals.what.alert_move", to_state=alert_state(to_state)),
        )
    except DecisionDateRefused as exc:
        raise AlertRefused(*exc.args) from None


def alert_state(state: str) -> Message:
    """An alert state's name in messages (草稿 … 已撤回)."""
    return Message(f"refusals.alert_state.{state}")


def fill_template(template: dict[str, str], values: dict[str, Any]) -> tuple[str, str]:
    """``(title, body)`` of a template ({"title": ..., "body": ...}) with ``{placeholders}`` filled."""
    try:
        return template["title"].format(**values), template["body"].format(**values)
    except KeyError as exc:
        raise AlertRefused(Message("refusals.alert_template_value", name=exc.args[0])) from None


def draft_from_sector(templates: dict[str, Any], sector_code: str, sector_name: str) -> AlertDraft:
    """A draft from the sector's template (``templates["sector"][code]``), about the whole sector."""
    template = templates.get("sector", {}).get(sector_code)
    if template is None:
        known = ", ".join(sorted(templates.get("sector", {})))
        raise AlertRefused(Message("refusals.alert_no_template", sector=sector_code, known=known))
    title, body = fill_template(template, {"sector": sector_name})
    return AlertDraft(title, body, sector_code, (), template.get("severity", "info"), f"sector:{sector_code}")


def draft_from_listing(templates: dict[str, Any], entry: dict[str, Any]) -> AlertDraft:
    """A draft about a published blacklist case (dict: state, name, uscc, grounds, listed_on, sector_code)."""
    if entry.get("state") != "published":
        raise AlertRefused(
            Message(
                "refusals.alert_unpublished_case", state=Message(f"refusals.case_state.{entry.get('state')}")
            )
        )
    values = {**entry, "listed_on": entry["listed_on"].isoformat()}
    title, body = fill_template(templates["listing"], values)
    severity = templates["listing"].get("severity", "warning")
    return AlertDraft(title, body, entry.get("sector_code"), (entry["uscc"],), severity, "listing")


def draft_from_checks(templates: dict[str, Any], checks: list[dict[str, Any]], sector: str | None):
    """A draft about failed checks (dicts: name, uscc, checked_on, result_label) in one sector (code)."""
    if not checks:
        raise AlertRefused(Message("refusals.alert_no_failed_checks"))
    lines = "\n".join(
        f"- {c['name']}（{c['uscc']}）{c['checked_on'].isoformat()} {c['result_label']}" for c in checks
    )
    usccs = tuple(sorted({c["uscc"] for c in checks}))
    title, body = fill_template(templates["checks"], {"count": len(usccs), "lines": lines})
    return AlertDraft(title, body, sector, usccs, templates["checks"].get("severity", "warning"), "checks")
