"""The refusals of the record and the draw carry catalog codes: a Chinese reader reads them in Chinese,
an English one as before (docs/interface.md, traceboard/i18n.py)."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.data.insider import without_append_only_guard
from traceboard.accounts.authz import Actor
from traceboard.data import models as m
from traceboard.data.assessment_store import LockedRunError, RunNotFound, load_run, lock_run
from traceboard.data.audit import record_audit
from traceboard.data.audit_verify import verify_log
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog
from traceboard.i18n import word
from traceboard.sampling.plans import stratum_rows
from traceboard.sampling.spec import DrawRefused, check_seed, sha256_hex
from traceboard.services.assessment import prepare_assessment, save_assessment
from traceboard.workdays import CalendarUnknown, calendar_known, is_working_day

LEADER = Actor("kao-leader", "leader")


def test_a_seed_off_its_commitment_is_refused_in_both_languages():
    with pytest.raises(DrawRefused) as refused:
        check_seed("31415927", sha256_hex("27182818"))
    assert word(refused.value, "zh").startswith(
        f"种子与事先公布的承诺不符：种子的 SHA-256 为 {sha256_hex('31415927')[:16]}…"
    )
    assert str(refused.value).startswith("the seed does not match its commitment")


def test_a_code_twice_in_a_stratum_is_refused_in_chinese():
    candidates = pd.DataFrame({"uscc": ["91430381MA4L0001X1"] * 2, "stratum": "食品"})
    with pytest.raises(DrawRefused) as refused:
        stratum_rows(candidates)
    assert word(refused.value, "zh") == "候选企业 91430381MA4L0001X1 在层“食品”中出现两次"


def test_a_year_the_calendar_does_not_know_is_refused_in_chinese():
    year = next(y for y in range(2030, 2200) if not calendar_known(dt.date(y, 1, 2)))
    with pytest.raises(CalendarUnknown) as refused:
        is_working_day(dt.date(year, 1, 2), strict=True)
    assert word(refused.value, "zh") == (
        f"已安装的 chinesecalendar 尚不含 {year} 年的节假日安排：请更新该软件包"
    )


def test_the_records_refusals_of_runs_are_chinese(demo_engine):
    with transaction(demo_engine) as session:
        session.add_all(
            [m.User(username="kao-office", role="office"), m.User(username="kao-leader", role="leader")]
        )
    with pytest.raises(RunNotFound) as refused:
        lock_run(demo_engine, LEADER, 999_999)
    assert word(refused.value, "zh") == "没有编号为 999999 的考核结果"
    with pytest.raises(RunNotFound) as refused:
        load_run(demo_engine, 999_999)
    assert word(refused.value, "zh") == "没有编号为 999999 的考核结果"
    view = save_assessment(
        demo_engine,
        Actor("kao-office", "office"),
        prepare_assessment(demo_engine, 2020, dt.date(2026, 10, 31)),
    )
    run_id = int(view.run["id"])
    lock_run(demo_engine, LEADER, run_id)
    with pytest.raises(LockedRunError) as refused:
        lock_run(demo_engine, LEADER, run_id)
    assert word(refused.value, "zh") == "2020 年考核第 1 版已由 kao-leader 锁定"
    with pytest.raises(LockedRunError) as refused, transaction(demo_engine) as session:
        session.get(m.AssessmentRun, run_id).status = "draft"
    assert (
        word(refused.value, "zh")
        == f"考核结果 {run_id} 已锁定：其分数不再改变；如需改动，请重新考核生成新版本"
    )
    with pytest.raises(LockedRunError) as refused, transaction(demo_engine) as session:
        session.execute(update(m.UnitScore).where(m.UnitScore.run_id == run_id).values(score=0))
    assert word(refused.value, "zh") == "已锁定的考核结果不能修改或删除；如需改动，请重新考核生成新版本"


def test_the_audit_verifiers_findings_are_chinese(engine):
    for i in range(3):
        with transaction(engine) as session:
            record_audit(session, actor="office1", action="test.change", entity="enterprise", entity_id=i)
    with Session(engine) as session:
        assert verify_log(session).problem is None
    with without_append_only_guard(engine), transaction(engine) as session:
        second = session.scalars(select(AuditLog).order_by(AuditLog.id).offset(1)).first()
        session.execute(update(AuditLog).where(AuditLog.id == second.id).values(actor="someone-else"))
    with Session(engine) as session:
        problem = verify_log(session).problem
    assert (
        word(problem, "zh")
        == f"审计日志的哈希链在编号 {second.id} 的行处断开：内容与其哈希不符（该行被改动过）"
    )
    assert (
        problem
        == f"audit chain broken at row {second.id}: content does not match its hash (the row was edited)"
    )


def test_a_malformed_indicator_set_is_refused_in_chinese_naming_the_file(tmp_path):
    from traceboard.data.assessment_config import InvalidIndicatorSet, load_indicator_set, read_indicator_set

    path = tmp_path / "township-2019.toml"
    path.write_text('unit_kind = "township"\nfrom_year = 2019\n[[grades]\n', encoding="utf-8")
    with pytest.raises(InvalidIndicatorSet) as refused:
        read_indicator_set(path)
    assert word(refused.value, "zh").startswith(f"{path}：第 3 行第 ")
    assert "列不是有效的 TOML（" in word(refused.value, "zh")
    path.write_text('unit_kind = "township"\nfrom_year = 2019\n', encoding="utf-8")
    with pytest.raises(InvalidIndicatorSet) as refused:
        read_indicator_set(path)
    assert word(refused.value, "zh") == f"{path}：没有 [[indicators]]"
    assert str(refused.value) == f"{path}: no [[indicators]]"
    with pytest.raises(InvalidIndicatorSet) as refused:
        load_indicator_set(2018, "township", tmp_path)
    assert word(refused.value, "zh") == f"{path}：没有 [[indicators]]"
    path.unlink()
    with pytest.raises(InvalidIndicatorSet) as refused:
        load_indicator_set(2018, "department", tmp_path)
    assert word(refused.value, "zh") == f"{tmp_path} 中没有适用于 2018 年的部门指标体系"


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("[sectors.farm]\nadoption = { 2019 = 1.5 }", "：farm 在 2019 年的目标须为 0 到 1 之间的比例"),
        ("[sectors.farm]\nadoption = { next = 0.5 }", "：“next”不是年份"),
        ("x = 1", "：没有 [sectors.<代码>] 推广目标"),
    ],
)
def test_a_bad_targets_file_is_refused_in_chinese(tmp_path, text, zh):
    from traceboard.data.adoption_targets import InvalidTargets, load_targets

    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidTargets) as refused:
        load_targets(path)
    assert word(refused.value, "zh") == f"{path}{zh}"


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("[[grades]\n", "表数组的表头末尾应为 “]]”", "expected ']]' at the end of an array declaration"),
        ("a = 1\na = 2\n", "不能覆盖已有的值", "cannot overwrite a value"),
        (
            "a = 1979-13-40\n",
            "语句后面应换行或是文件末尾",
            "expected a new line or the end of the file after a statement",
        ),
        ("a = {b = 1, b = 2}\n", "内联表中的键 'b' 重复", "duplicate inline table key 'b'"),
        ("[x.y]\n[x.y]\n", "x.y 被声明了两次", "cannot declare x.y twice"),
        (
            "x = [{a=1}]\n[[x]]\n",
            "不能修改已定义完整的表 x",
            "cannot change the table x, already defined in full",
        ),
        ("a = ?\n", "无效的值", "invalid value"),
        ('a = "\\q"\n', "字符串中有未转义的 “\\”", "unescaped '\\' in a string"),
    ],
)
def test_the_toml_parsers_reason_is_worded_in_the_readers_language(tmp_path, text, zh, en):
    """Every file an administrator edits: the reason as well as the place of a syntax error."""
    from traceboard.data.adoption_targets import InvalidTargets, load_targets
    from traceboard.data.assessment_config import InvalidIndicatorSet, read_indicator_set
    from traceboard.data.blacklist_config import ConfigError, load_blacklist_rules
    from traceboard.data.reference import ReferenceError, load_reference

    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    for load, refusal in (
        (read_indicator_set, InvalidIndicatorSet),
        (load_targets, InvalidTargets),
        (load_reference, ReferenceError),
        (load_blacklist_rules, ConfigError),
    ):
        with pytest.raises(refusal) as refused:
            load(path)
        assert word(refused.value, "zh").endswith(f"列不是有效的 TOML（{zh}）"), load
        assert word(refused.value, "en").endswith(f"is not valid TOML ({en})"), load
        assert word(refused.value, "zh").startswith(f"{path}：第 "), load


def test_a_toml_reason_not_in_the_catalog_is_shown_as_the_parser_gave_it():
    from traceboard.data.toml_files import toml_reason

    assert toml_reason("Something a later Python says") == "Something a later Python says"
    assert word(toml_reason("Cannot declare ('a', 'b c') twice"), "zh") == "a.b c 被声明了两次"


def test_a_toml_error_at_the_end_of_a_file_says_so(tmp_path):
    from traceboard.data.assessment_config import InvalidIndicatorSet, read_indicator_set

    path = tmp_path / "township-2019.toml"
    path.write_text("a = [1, 2\n", encoding="utf-8")
    with pytest.raises(InvalidIndicatorSet) as refused:
        read_indicator_set(path)
    assert word(refused.value, "zh") == f"{path}：文件末尾不是有效的 TOML（数组缺少结尾的 “]”）"
    assert word(refused.value, "en") == f"{path}: the end of the file is not valid TOML (unclosed array)"
