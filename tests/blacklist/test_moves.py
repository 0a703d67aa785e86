"""The shared refusal of an illegal move (blacklist/moves.py): cases and alerts word it alike."""

import pytest

from traceboard.blacklist.alerts import AlertRefused, plan_alert_move
from traceboard.blacklist.lifecycle import IllegalMove, check_move
from traceboard.blacklist.moves import check_allowed
from traceboard.i18n import Message, message_of


class Refused(ValueError):
    pass


def _name(state: str) -> Message:
    return Message(f"refusals.case_state.{state}")


def test_a_legal_move_passes():
    check_allowed(
        "proposed",
        "notified",
        ("notified", "rejected"),
        state_name=_name,
        move_key="refusals.case_move",
        closed_key="refusals.case_closed",
        refusal=Refused,
    )


def test_an_illegal_move_names_the_allowed_ones_in_both_languages():
    with pytest.raises(Refused) as caught:
        check_allowed(
            "proposed",
            "published",
            ("notified", "rejected"),
            state_name=_name,
            move_key="refusals.case_move",
            closed_key="refusals.case_closed",
            refusal=Refused,
        )
    said = message_of(caught.value)
    assert said.code == "refusals.case_move"
    assert said.word("zh") == "“拟列入”的案件不能转为“已公布”；可转为：已告知、不予列入"
    assert "allowed from proposed: notified, rejected" in said.word("en")


def test_a_closed_state_is_worded_by_the_closed_key():
    with pytest.raises(Refused) as caught:
        check_allowed(
            "expired",
            "listed",
            (),
            state_name=_name,
            move_key="refusals.case_move",
            closed_key="refusals.case_closed",
            refusal=Refused,
        )
    assert message_of(caught.value).code == "refusals.case_closed"


def test_cases_and_alerts_go_through_it():
    with pytest.raises(IllegalMove) as case:
        check_move("revoked", "listed")
    assert message_of(case.value).code == "refusals.case_closed"
    with pytest.raises(AlertRefused) as alert:
        plan_alert_move({"state": "draft", "drafted_by": "a"}, "published", by="b", on=None)
    said = message_of(alert.value)
    assert said.code == "refusals.alert_move"
    assert "可转为：已审核、已撤回" in said.word("zh")
