"""When a decision may be dated: never after today, never before the step it follows.

A decision of the blacklist, a consumer alert, a check or the assessment may be
recorded late (back-dated to the day it was taken), but a date in the future
would let a decision act before anyone took it — a repair dated next year
unlists an enterprise today, an expiry "as of 2099" ends listings years early.
The audit row of every decision keeps both the stated date (in its fields) and
the real time it was recorded (``at``). A step with no stated date of its own (a
consumer alert's draft) is dated by the day it was recorded (:func:`day_of`).
"""

from __future__ import annotations

import datetime as dt

from traceboard.i18n import Message


def today() -> dt.date:
    """The date decisions are judged against (the one clock of this rule)."""
    return dt.date.today()


def day_of(moment: dt.datetime) -> dt.date:
    """The date on this clock (the one :func:`today` reads) of a moment the record keeps in UTC
    (a naive moment, as SQLite gives it back, is UTC): the day a step taken at that moment was on."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().date()


class DecisionDateRefused(ValueError):
    """The stated date is after today or before the previous step (message names both dates)."""


def check_decision_date(
    on: dt.date,
    *,
    today: dt.date | None = None,
    previous: dt.date | None = None,
    what: str | Message | None = None,
) -> dt.date:
    """``on`` if a decision may carry it; raise :class:`DecisionDateRefused` otherwise.

    ``what`` names the decision in the refusal (a ``Message``, e.g. ``refusals.what.assessment_lock``)."""
    what = what if what is not None else Message("refusals.what.decision")
    today = today or globals()["today"]()
    if on > today:
        raise DecisionDateRefused(
            Message("refusals.date_ahead", what=what, on=on.isoformat(), today=today.isoformat())
        )
    if previous is not None and on < previous:
        raise DecisionDateRefused(
            Message(
                "refusals.date_before_previous", what=what, on=on.isoformat(), previous=previous.isoformat()
            )
        )
    return on
