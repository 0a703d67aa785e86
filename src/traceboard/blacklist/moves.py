"""The one refusal of an illegal move, shared by blacklist cases and consumer alerts.

A case (``lifecycle.check_move``) and an alert (``alerts.plan_alert_move``) each have a table of
the states a state may move to (docs/blacklist.md). A move outside the table is refused with a
catalog message naming the state, the wanted state and the allowed ones — or, for a state that
allows none, saying it is closed. Only the wording of the states and the catalog keys differ.
"""

from __future__ import annotations

from collections.abc import Callable

from traceboard.i18n import Message


def check_allowed(
    state: str,
    to_state: str,
    allowed: tuple[str, ...],
    *,
    state_name: Callable[[str], Message],
    move_key: str,
    closed_key: str,
    refusal: type[Exception],
) -> None:
    """Raise ``refusal`` unless ``to_state`` is in ``allowed`` (the moves from ``state``).

    ``state_name`` words a state (a catalog ``Message``); ``move_key`` names the allowed moves,
    ``closed_key`` is used when ``allowed`` is empty."""
    if to_state in allowed:
        return
    if not allowed:
        raise refusal(Message(closed_key, state=state_name(state), to_state=state_name(to_state)))
    raise refusal(
        Message(
            move_key,
            state=state_name(state),
            to_state=state_name(to_state),
            options=tuple(state_name(s) for s in allowed),
        )
    )
