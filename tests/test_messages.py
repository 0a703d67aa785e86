"""Domain messages: every code the layers below the faces give is worded in both languages, with the
same placeholders, and reaches the reader in the reader's language (traceboard/i18n.py)."""

import datetime as dt
import pickle
import re
from pathlib import Path

import pytest

from traceboard.accounts.authz import PERMISSIONS, ROLE_NAMES, Actor, PermissionDenied, require
from traceboard.blacklist.alerts import plan_alert_move
from traceboard.blacklist.lifecycle import IllegalMove, Move, apply_move
from traceboard.data.models import ALERT_STATES, BLACKLIST_STATES
from traceboard.decision_dates import DecisionDateRefused, check_decision_date
from traceboard.files.importers import normalise as nz
from traceboard.i18n import Message, cli_language, load_catalog, message_of, placeholders, word

SRC = Path(__file__).resolve().parents[1] / "src" / "traceboard"
LITERAL = re.compile(r"""Message\(\s*"([\w.]+)"\s*[,)]""")
FAMILY = re.compile(r"""Message\(\s*f"([\w.]+)\{""")
THING = re.compile(r"""make_(?:matcher|list_parser)\([^)]*?,\s*"([a-z ]+)"[,)]""", re.S)


def used_codes() -> tuple[set[str], set[str]]:
    literal, families = set(), set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        literal |= set(LITERAL.findall(text))
        families |= set(FAMILY.findall(text))
    return literal, families


def family_members() -> set[str]:
    """The codes built from a name: states, roles, permissions, kinds of value."""
    out = {f"refusals.case_state.{s}" for s in BLACKLIST_STATES}
    out |= {f"refusals.alert_state.{s}" for s in ALERT_STATES}
    out |= {f"refusals.role.{r}" for r in ROLE_NAMES}
    out |= {f"refusals.permission.{p.replace('.', '_')}" for p in PERMISSIONS}
    out |= {"refusals.unknown_user", "refusals.disabled_user"}
    text = (SRC / "files" / "importers" / "validate.py").read_text(encoding="utf-8")
    out |= {nz.thing(w).code for w in THING.findall(text)}
    # Why a file cannot be read: the codes UnreadableFile and TooLarge carry (files.<code>).
    for name in ("importers/reading.py", "read_limits.py"):
        text = (SRC / "files" / name).read_text(encoding="utf-8")
        out |= {f"files.{c}" for c in re.findall(r'"(\w+)",\s*file=', text) if c != "unreadable"}
        out |= {f"files.{c}" for c in re.findall(r'TooLarge\(\s*"(\w+)"', text)}
    assert "files.unsupported_type" in out and "files.too_many_rows" in out
    # Why a platform-feed row is refused: the codes of files/platform_feed.py, worded as on the page.
    from traceboard.files.platform_feed import REASONS

    out |= {f"data_admin.feed_problem_{code}" for code in REASONS}
    # A check result's name (data/vocabulary.result_name), in {choices} lists instead of its code.
    from traceboard.data.models import INSPECTION_RESULTS

    out |= {f"sampling.result.{code}" for code in INSPECTION_RESULTS}
    # The TOML parser's reasons, each worded from the catalog (data/toml_files.py).
    from traceboard.data.toml_files import REASONS as TOML_REASONS

    out |= {f"store.toml_reason.{key}" for _pattern, key in TOML_REASONS}
    return out


def test_every_code_in_the_source_has_zh_and_en_wording_with_the_same_placeholders():
    zh, en = load_catalog("zh"), load_catalog("en")
    literal, families = used_codes()
    assert len(literal) > 100  # the scan finds the codes (importers, refusals)
    assert families == {
        "refusals.case_state.",
        "refusals.alert_state.",
        "refusals.role.",
        "refusals.permission.",
        "refusals.",
        "validation.what.",
        "files.",
        "data_admin.feed_problem_",
        "sampling.result.",
        "store.toml_reason.",
    }
    codes = literal | family_members()
    assert sorted(c for c in codes if c not in zh or c not in en) == []
    for code in codes:
        assert placeholders(zh[code]) == placeholders(en[code]), code
        assert zh[code].strip() and en[code].strip(), code


def test_every_chinese_message_of_the_domain_catalogs_is_chinese():
    zh = load_catalog("zh")
    for code, text in zh.items():
        if code.startswith(("validation.", "refusals.")) and not code.startswith(
            ("refusals.permission.", "validation.sheet.sheet")
        ):
            assert re.search(r"[\u4e00-\u9fff]", text), code


def test_a_message_is_its_english_text_and_words_again_in_chinese():
    said = Message("validation.subcategory_elsewhere", name="粮油", owners="食用农产品", sector="食品")
    assert said == "sub-category '粮油' belongs to 食用农产品, not to 食品"
    assert said.word("zh") == "细分品类“粮油”属于食用农产品，不属于食品"
    assert word(said, "en") == said and word("plain text", "zh") == "plain text"
    again = pickle.loads(pickle.dumps(said))
    assert again.code == said.code and again.word("zh") == said.word("zh")


def test_nested_messages_and_lists_are_worded_in_the_readers_language():
    with pytest.raises(IllegalMove) as caught:
        apply_move(
            {"state": "proposed", "proposed_on": dt.date(2026, 1, 5)},
            Move("listed", dt.date(2026, 1, 6), "x"),
        )
    assert (
        str(caught.value)
        == "cannot move a proposed case to listed; allowed from proposed: notified, rejected"
    )
    assert word(caught.value, "zh") == "“拟列入”的案件不能转为“已列入”；可转为：已告知、不予列入"


def test_permission_refusals_name_the_act_and_the_roles_in_chinese():
    with pytest.raises(PermissionDenied) as caught:
        require(Actor("demo-inspector", "inspector", 1), "sampling.plan", 2)
    assert "may not sampling.plan outside the user's own department" in str(caught.value)
    assert word(caught.value, "zh") == (
        "demo-inspector（执法检查人员）只能在本人所属部门内制定抽查计划，不能为其他部门操作；"
        "有此权限的角色：执法检查人员、领导小组办公室"
    )
    with pytest.raises(PermissionDenied) as caught:
        require(Actor("li", "publicity"), "blacklist.decide")
    assert word(caught.value, "zh") == "li（宣传工作人员）无权作出黑名单决定；有此权限的角色：领导小组办公室"


def test_decision_date_refusals_in_chinese():
    with pytest.raises(DecisionDateRefused) as caught:
        check_decision_date(
            dt.date(2099, 1, 1), today=dt.date(2026, 6, 1), what=Message("refusals.what.assessment_lock")
        )
    assert message_of(caught.value).code == "refusals.date_ahead"
    assert word(caught.value, "zh").startswith("考核锁定的日期为 2099-01-01，晚于今天（2026-06-01）")


def test_the_alerts_four_eyes_refusal_in_chinese():
    with pytest.raises(Exception) as caught:
        plan_alert_move({"state": "draft", "drafted_by": "li"}, "approved", "li", dt.date(2026, 1, 1))
    assert word(caught.value, "zh") == "此消费提示由 li 起草，须由另一位用户审核"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"TRACEBOARD_LANG": "zh", "LANG": "C.UTF-8"}, "zh"),
        ({"TRACEBOARD_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_command_lines_language(monkeypatch, env, expected):
    for name in ("TRACEBOARD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli_language() == expected


def test_an_unknown_command_line_language_is_refused(monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "fr")
    with pytest.raises(ValueError, match="TRACEBOARD_LANG"):
        cli_language()


def test_an_unknown_alert_move_is_refused_in_chinese(engine):
    from traceboard.blacklist.alerts import AlertRefused
    from traceboard.services.blacklist import move_alert

    with pytest.raises(AlertRefused) as caught:
        move_alert(engine, Actor("li", "publicity"), 1, "shred")
    assert str(caught.value).startswith("unknown alert move 'shred'; moves: approved, ")
    assert word(caught.value, "zh").startswith("未知的消费提示操作“shred”；可用操作：已审核、")
