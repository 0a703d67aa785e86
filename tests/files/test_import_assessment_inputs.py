"""Importing what the annual assessment reads: plan elements, progress reports, the work ledger,
the counties' published rates and traceability changes — all or nothing, errors by row and column."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.files.import_files import codes
from tests.files.test_import_records import TODAY, load, unit_id
from tests.files.test_import_register import OFFICE
from traceboard.data import models as m
from traceboard.data.vocabulary import PLAN_ELEMENTS
from traceboard.services.exports import export_table
from traceboard.services.imports import ValidationFailed, import_validated

MILESTONE_HEADER = ["单位", "工作节点", "应完成日期", "实际完成日期", "方案要素", *PLAN_ELEMENTS]


def rows_of(table) -> list[list[str]]:
    """An exported table as the rows of a file (header first), as a user would send it back."""
    return [list(table.columns), *table.astype(str).replace({"<NA>": ""}).to_numpy().tolist()]


def test_plan_elements_as_a_list_or_as_yes_no_columns(engine):
    rows = [
        MILESTONE_HEADER,
        ["市农业局", "实施方案报送", "2017-12-31", "2017-12-20", "建设目标、工作任务，追溯模式", *[""] * 7],
        ["农业局", "追溯平台建成", "2019-07-31", "", "", *[""] * 7],
        [
            "商务粮食局",
            "实施方案报送",
            "2017-12-31",
            "2018-01-05",
            "",
            "是",
            "否",
            "是",
            "是",
            "是",
            "是",
            "是",
        ],
    ]
    validation = load(engine, "milestones", rows)
    assert validation.ok, validation.lines()
    assert import_validated(engine, OFFICE, validation, today=TODAY).counts["added"] == 3
    with engine.connect() as conn:
        got = dict(
            conn.execute(
                select(m.Milestone.department_id, m.Milestone.elements).where(
                    m.Milestone.kind == "plan_submitted"
                )
            ).all()
        )
    assert got[unit_id(engine, "市农业局")] == ["建设目标", "工作任务", "追溯模式"]
    assert got[unit_id(engine, "市商务粮食局")] == [e for e in PLAN_ELEMENTS if e != "工作任务"]
    # the export reads back unchanged, both ways of writing the elements agreeing
    exported = export_table(engine, OFFICE, "milestones")
    assert exported.loc[0, "方案要素"] == "建设目标、工作任务、追溯模式"
    assert list(exported.loc[0, list(PLAN_ELEMENTS)]) == ["是", "是", "是", "否", "否", "否", "否"]
    assert list(exported.loc[1, list(PLAN_ELEMENTS)]) == [""] * 7  # not a plan: no elements
    again = import_validated(engine, OFFICE, load(engine, "milestones", rows_of(exported)), today=TODAY)
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 3}


def test_a_blank_due_date_is_the_plans(engine):
    rows = [
        ["单位", "工作节点", "实际完成日期"],
        ["市农业局", "追溯平台建成", "2019-06-30"],
        ["山枣镇", "追溯平台建成", "2019-09-01"],
        ["山枣镇", "实施方案报送", "2018-01-01"],
    ]
    validation = load(engine, "milestones", rows)
    assert validation.lines() == [
        "row 4, 应完成日期, '': missing (the plan sets no date for this unit and milestone)"
    ]
    validation = load(engine, "milestones", rows[:3])
    import_validated(engine, OFFICE, validation, today=TODAY)
    with engine.connect() as conn:
        due = conn.scalars(select(m.Milestone.due_on).order_by(m.Milestone.id)).all()
    assert due == [dt.date(2019, 7, 31), dt.date(2019, 7, 31)]  # the plan, part 四: 2019年7月底前


def test_plan_element_errors_name_row_and_column(engine):
    rows = [
        MILESTONE_HEADER,
        ["市农业局", "实施方案报送", "2017-12-31", "", "建设目的", *[""] * 7],
        ["市商务粮食局", "实施方案报送", "2017-12-31", "", "建设目标", "是", "是", *[""] * 5],
        ["市公安局", "追溯平台建成", "2019-07-31", "", "建设目标", *[""] * 7],
    ]
    validation = load(engine, "milestones", rows)
    assert validation.lines() == [
        "row 2, 方案要素, '建设目的': unknown plan element '建设目的' — did you mean 建设目标?",
        "row 3, 方案要素, '建设目标': the list disagrees with the 是/否 columns of the elements",
        "row 4, 方案要素, '建设目标': plan elements belong to 实施方案报送 only",
    ]
    with pytest.raises(ValidationFailed):
        import_validated(engine, OFFICE, validation, today=TODAY)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Milestone)) == 0


def test_progress_reports_by_township_name_and_period_spellings(engine):
    rows = [
        ["单位", "报告期", "应报日期", "实际报送日期"],
        ["山枣镇", "2019年第一季度", "2019-04-10", "2019-04-08"],
        ["山枣", "2019Q2", "2019-07-10", ""],
        ["430381101", "2019-q1", "2019-04-10", "2019-04-20"],
    ]
    validation = load(engine, "reports", rows)
    assert validation.ok, validation.lines()
    assert import_validated(engine, OFFICE, validation, today=TODAY).counts["added"] == 3
    with engine.connect() as conn:
        got = conn.execute(
            select(
                m.ReportSubmission.unit_id, m.ReportSubmission.period, m.ReportSubmission.submitted_on
            ).order_by(m.ReportSubmission.id)
        ).all()
    shanzao, lishan = unit_id(engine, "山枣镇"), unit_id(engine, "栗山镇")
    assert [tuple(r) for r in got] == [
        (shanzao, "2019Q1", dt.date(2019, 4, 8)),
        (shanzao, "2019Q2", None),
        (lishan, "2019Q1", dt.date(2019, 4, 20)),
    ]
    bad = load(
        engine, "reports", [rows[0], ["山早镇", "2019Q5", "2019-04-10", ""], ["山枣镇", "2019Q1", "", ""]]
    )
    assert bad.lines() == [
        "row 2, 单位, '山早镇': unknown unit '山早镇' — did you mean 山枣镇?",
        "row 2, 报告期, '2019Q5': not a reporting period (write 2019Q1, 2019-03 or 2019)",
        "row 3, 应报日期, '': missing",
    ]


def test_duty_records_with_money_and_an_enterprise(engine):
    code = codes(1)[0]
    register = [
        ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"],
        [code, "湘乡市某肉类加工厂", "山枣镇", "食品"],
    ]
    import_validated(engine, OFFICE, load(engine, "enterprises", register), today=TODAY)
    header = ["单位", "工作职责", "日期", "事项类别", "金额（元）", "统一社会信用代码", "文号", "备注"]
    rows = [
        header,
        [
            "市财政局",
            "财政资金支持追溯研发、平台建设、信息归集",
            "2019-05-06",
            "资金拨付",
            "12.5万",
            code,
            "湘财企〔2019〕12号",
            "",
        ],
        ["财政局", "procurement", "2019-06-01", "政府采购", "", "", "", "采购目录标注可追溯产品"],
    ]
    validation = load(engine, "duty-records", rows)
    assert validation.ok, validation.lines()
    assert import_validated(engine, OFFICE, validation, today=TODAY).counts == {
        "added": 2, "updated": 0, "unchanged": 0,
    }  # fmt: skip
    exported = export_table(engine, OFFICE, "duty-records")
    assert exported.loc[0, "金额（元）"] == "125000.00"
    assert exported.loc[1, "工作职责"] == "政府采购优先采购可追溯产品"
    again = import_validated(engine, OFFICE, load(engine, "duty-records", rows_of(exported)), today=TODAY)
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 2}
    bad = load(
        engine, "duty-records", [header, ["市财政局", "扶贫", "2019-05-06", "资金拨付", "-5", "", "", ""]]
    )
    assert [p.split(":")[0] for p in bad.lines()] == ["row 2, 工作职责, '扶贫'", "row 2, 金额（元）, '-5'"]


def test_county_rates_as_percent_or_fraction(engine):
    rows = [
        ["县市区", "年度", "追溯覆盖率"],
        ["湘乡市", "2019", "62.5%"],
        ["韶山市", "2019", "0.71"],
        ["湘潭县", "19", "120%"],
    ]
    bad = load(engine, "county-rates", rows)
    assert bad.lines() == [
        "row 4, 年度, '19': not a year between 2000 and 2100",
        "row 4, 追溯覆盖率, '120%': a rate is at most 100%",
    ]
    validation = load(engine, "county-rates", rows[:3])
    import_validated(engine, OFFICE, validation, today=TODAY)
    exported = export_table(engine, OFFICE, "county-rates")
    assert list(exported["追溯覆盖率"]) == ["62.5%", "71%"]
    again = import_validated(engine, OFFICE, load(engine, "county-rates", rows_of(exported)), today=TODAY)
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 2}


def test_traceability_changes_keep_the_history(engine):
    code = codes(1, seed=5)[0]
    register = [
        ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"],
        [code, "某农资店", "东山街道", "农业生产资料"],
    ]
    import_validated(engine, OFFICE, load(engine, "enterprises", register), today=TODAY)
    rows = [
        ["统一社会信用代码", "变更类型", "变更日期", "追溯平台"],
        [code, "建立追溯体系", "2018-03-01", ""],
        [code, "dropped", "2019-03-01", ""],
        [code, "建立追溯体系", "2020-03-01", ""],
        [code, "接入追溯平台", "2020-04-01", "湖南省农资追溯平台"],
    ]
    summary = import_validated(engine, OFFICE, load(engine, "trace-events", rows), today=TODAY)
    assert summary.counts["added"] == 4
    with engine.connect() as conn:
        kinds = conn.execute(
            select(m.TraceEvent.kind, m.TraceEvent.source).order_by(m.TraceEvent.occurred_on)
        ).all()
    assert [k for k, _ in kinds] == ["adopted", "dropped", "adopted", "connected"]
    assert {s for _, s in kinds} == {"导入"}
    bad = load(
        engine,
        "trace-events",
        [rows[0], [code, "建立", "2018-03-01", ""], [codes(2)[1], "建立追溯体系", "2018-03-01", ""]],
    )
    assert [p.split(":")[0] for p in bad.lines()] == [
        "row 2, 变更类型, '建立'",
        f"row 3, 统一社会信用代码, '{codes(2)[1]}'",
    ]


CASE_HEADER = ["统一社会信用代码", "立案日期", "列入事由", "法律依据", "来源检查部门", "来源检查日期"]
CASE_HEADER += ["告知日期", "列入日期", "公布日期", "移出或不予列入", "移出日期"]


def test_a_blacklist_case_history_is_checked_step_by_step(engine):
    code = codes(1, seed=9)[0]
    register = [
        ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"],
        [code, "某食品厂", "山枣镇", "食品"],
    ]
    import_validated(engine, OFFICE, load(engine, "enterprises", register), today=TODAY)
    checks = [
        ["统一社会信用代码", "检查部门", "检查日期", "检查结果"],
        [code, "市食药工商质监局", "2019-01-02", "追溯信息不真实"],
    ]
    import_validated(engine, OFFICE, load(engine, "inspections", checks), today=TODAY)
    case = [code, "2019-01-10", "追溯信息不真实", "国发〔2016〕33号", "食药工商质监局", "2019-01-02"]
    bad = [
        CASE_HEADER,
        [*case, "2019-01-05", "2019-02-01", "", "", ""],
        [code, "2019-03-01", "x", "y", "", "", "", "2019-03-10", "2019-03-12", "", ""],
        [code, "2019-04-01", "x", "y", "市农业局", "2019-01-02", "", "", "", "信用修复移出", "2020-01-01"],
        [code, "2019-01-01", "x", "y", "食药工商质监局", "2019-01-02", "", "", "", "", ""],
    ]
    assert load(engine, "blacklist", bad).lines() == [
        "row 2, 告知日期, '2019-01-05': earlier than a step before it",
        "row 3, 列入日期, '2019-03-10': listed without a notification date",
        "row 4, 来源检查日期, '2019-01-02': no check of this enterprise by that department on that day",
        "row 4, 移出或不予列入, '信用修复移出': only a listed case can be removed",
        "row 5, 立案日期, '2019-01-01': before the source check it cites; "
        "a proposal cannot precede the check it rests on",
    ]
    good = [CASE_HEADER, [*case, "2019-01-17", "2019-02-06", "2019-02-09", "", ""]]
    summary = import_validated(engine, OFFICE, load(engine, "blacklist", good), today=TODAY)
    assert summary.counts == {"added": 1, "updated": 0, "unchanged": 0}
    with engine.connect() as conn:
        entry = conn.execute(select(m.BlacklistEntry.state, m.BlacklistEntry.source_inspection_id)).one()
        steps = conn.execute(select(m.BlacklistEvent.to_state).order_by(m.BlacklistEvent.id)).scalars().all()
    assert entry.state == "published" and entry.source_inspection_id is not None
    assert steps == ["proposed", "notified", "listed", "published"]
    # the same history again changes nothing; another history of a recorded case is refused
    again = import_validated(
        engine,
        OFFICE,
        load(engine, "blacklist", rows_of(export_table(engine, OFFICE, "blacklist"))),
        today=TODAY,
    )
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 1}
    other = [CASE_HEADER, [*case, "2019-01-17", "2019-02-06", "2019-02-09", "期满移出", "2022-02-09"]]
    assert load(engine, "blacklist", other).lines() == [
        "row 2, 立案日期, '2019-01-10': this case is recorded with another history; "
        "move it on in the blacklist workflow"
    ]


def test_published_alerts_with_their_withdrawal(engine):
    header = ["标题", "发布日期", "审核日期", "正文", "行业类别", "级别", "撤回日期", "撤回原因"]
    rows = [
        header,
        ["肉制品消费提示", "2020-03-01", "2020-02-27", "认准追溯码", "食品", "警示", "", ""],
        ["蔬菜消费提示", "2020-05-01", "", "已更正", "食用农产品", "", "2020-04-01", "复核更正"],
        ["农资消费提示", "2020-06-01", "2020-06-02", "看标识", "食品", "", "", ""],
        ["药品消费提示", "2020-06-01", "2026-06-02", "看追溯码", "食品", "", "", ""],
    ]
    assert load(engine, "alerts", rows).lines() == [
        "row 3, 撤回日期, '2020-04-01': before publication",
        "row 4, 审核日期, '2020-06-02': after publication; an alert is approved before it is published",
        "row 5, 审核日期, '2026-06-02': date in the future (after 2026-06-01)",
        "row 5, 审核日期, '2026-06-02': after publication; an alert is approved before it is published",
    ]
    rows[2][6] = "2020-05-20"
    rows = rows[:3]
    import_validated(engine, OFFICE, load(engine, "alerts", rows), today=TODAY)
    with engine.connect() as conn:
        got = conn.execute(
            select(m.ConsumerAlert.state, m.ConsumerAlert.severity, m.ConsumerAlert.approved_on).order_by(
                m.ConsumerAlert.id
            )
        ).all()
    # a blank approval date is the publication's: the alert was approved no later than that
    assert [tuple(r) for r in got] == [
        ("published", "warning", dt.date(2020, 2, 27)),
        ("withdrawn", "info", dt.date(2020, 5, 1)),
    ]
    exported = export_table(engine, OFFICE, "alerts")
    assert list(exported["级别"]) == ["警示", "提示"]
    assert list(exported["审核日期"].astype(str)) == ["2020-02-27", "2020-05-01"]
    again = import_validated(engine, OFFICE, load(engine, "alerts", rows_of(exported)), today=TODAY)
    assert again.counts == {"added": 0, "updated": 0, "unchanged": 2}
