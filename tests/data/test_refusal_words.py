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
