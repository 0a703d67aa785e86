"""Importing inspectors, conflicts, inspection results, milestones and publicity."""

import datetime as dt

import pytest
from sqlalchemy import select

from tests.files.import_files import codes, to_csv, to_xlsx
from tests.files.test_import_register import OFFICE, messy_rows
from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.data import models as m
from traceboard.services.imports import check_upload, import_validated

TODAY = dt.date(2026, 6, 1)


def load(engine, kind, rows, name="f.csv"):
    return check_upload(
        engine, kind, to_csv(rows, "utf-8") if name.endswith(".csv") else to_xlsx(rows), name, today=TODAY
    )


def unit_id(engine, name):
    with engine.connect() as conn:
        return conn.scalar(select(m.Unit.id).where(m.Unit.name == name))


def test_inspectors_upsert_by_certificate(engine):
    rows = [
        ["执法证号", "姓名", "所属部门", "常住乡镇", "是否在岗"],
        ["湘执0100001", "张三", "市农业局", "山枣", "是"],
        ["湘执0100002", "李四", "农业局", "", ""],
    ]
    summary = import_validated(engine, OFFICE, load(engine, "inspectors", rows), today=TODAY)
    assert summary.counts == {"added": 2, "updated": 0, "unchanged": 0}
    rows[2][4] = "否"
    summary = import_validated(engine, OFFICE, load(engine, "inspectors", rows), today=TODAY)
    assert summary.counts == {"added": 0, "updated": 1, "unchanged": 1}
    with engine.connect() as conn:
        got = conn.execute(
            select(
                m.Inspector.cert_no,
                m.Inspector.department_id,
                m.Inspector.home_township_id,
                m.Inspector.active,
            ).order_by(m.Inspector.cert_no)
        ).all()
    agriculture = unit_id(engine, "市农业局")
    assert [tuple(r) for r in got] == [
        ("湘执0100001", agriculture, unit_id(engine, "山枣镇"), True),
        ("湘执0100002", agriculture, None, False),
    ]


def test_inspector_errors(engine):
    rows = [
        ["执法证号", "姓名", "所属部门"],
        ["湘执0100001", "张三", "市农业厅"],
        ["湘执0100001", "", "市农业局"],
    ]
    assert load(engine, "inspectors", rows).lines() == [
        "row 2, 所属部门, '市农业厅': unknown department '市农业厅' — did you mean 市农业局?",
        "row 3, 执法证号, '湘执0100001': duplicate row in the file (first on row 2)",
        "row 3, 姓名, '': missing",
    ]


def test_conflicts_and_inspections_refer_to_known_records(engine):
    import_validated(
        engine, OFFICE, check_upload(engine, "enterprises", to_xlsx(messy_rows()), "r.xlsx", today=TODAY)
    )
    code = codes(6)[0]
    unknown = codes(8)[7]
    rows = [
        ["执法证号", "统一社会信用代码", "回避事由"],
        ["湘执9", code, "近亲属在该企业任职"],
        ["湘执9", unknown, "x"],
    ]
    assert load(engine, "conflicts", rows).lines() == [
        "row 2, 执法证号, '湘执9': no inspector with this certificate number",
        "row 3, 执法证号, '湘执9': no inspector with this certificate number",
        f"row 3, 统一社会信用代码, '{unknown}': no enterprise with this code in the register",
    ]
    rows = [
        ["统一社会信用代码", "检查部门", "检查日期", "检查结果", "是否重大隐患"],
        [code.lower(), "市食药工商质监局", "2024/5/6", "发现问题已责令改正", "否"],
        [code, "市食药工商质监局", "2024-07-01", "合格", ""],
    ]
    assert load(engine, "inspections", rows).lines() == [
        "row 3, 检查结果, '合格': unknown inspection result '合格'"
    ]
    del rows[2]
    summary = import_validated(engine, OFFICE, load(engine, "inspections", rows), today=TODAY)
    assert summary.counts == {"added": 1, "updated": 0, "unchanged": 0}
    with engine.connect() as conn:
        got = conn.execute(
            select(m.Inspection.checked_on, m.Inspection.result, m.Inspection.recorded_by)
        ).one()
    assert tuple(got) == (dt.date(2024, 5, 6), "rectification_ordered", "office1")


def test_inspectors_import_results_of_their_own_department_only(engine):
    import_validated(
        engine, OFFICE, check_upload(engine, "enterprises", to_xlsx(messy_rows()), "r.xlsx", today=TODAY)
    )
    rows = [
        ["统一社会信用代码", "检查部门", "检查日期", "检查结果"],
        [codes(6)[0], "市食药工商质监局", "2024-05-06", "未发现问题"],
    ]
    own = Actor("li", "inspector", unit_id(engine, "市食药工商质监局"))
    other = Actor("wang", "inspector", unit_id(engine, "市农业局"))
    with pytest.raises(PermissionDenied, match="outside the user's own department"):
        import_validated(engine, other, load(engine, "inspections", rows), today=TODAY)
    assert import_validated(engine, own, load(engine, "inspections", rows), today=TODAY).counts["added"] == 1
    with pytest.raises(PermissionDenied):
        import_validated(engine, own, load(engine, "enterprises", messy_rows(), "r.xlsx"), today=TODAY)


def test_milestones_and_publicity(engine):
    rows = [
        ["部门", "工作节点", "应完成日期", "实际完成日期"],
        ["市商务粮食局", "实施方案报送", "2017-12-31", "2017/12/20"],
    ]
    assert (
        import_validated(engine, OFFICE, load(engine, "milestones", rows), today=TODAY).counts["added"] == 1
    )
    rows = [
        ["单位", "活动日期", "活动类型", "活动名称", "参与人数"],
        ["山枣镇", "2019-06-01", "宣传周活动", "山枣镇追溯宣传周", "120"],
        ["市商务粮食局", "2019-06-02", "企业培训会", "培训", "很多"],
    ]
    assert load(engine, "publicity", rows).lines() == ["row 3, 参与人数, '很多': expected a whole number"]


def test_traceability_updates_record_events_only(engine):
    import_validated(
        engine, OFFICE, check_upload(engine, "enterprises", to_xlsx(messy_rows()), "r.xlsx", today=TODAY)
    )
    c = codes(8)
    header = [
        "统一社会信用代码",
        "是否建立信息化追溯体系",
        "追溯体系建立日期",
        "是否接入追溯平台",
        "接入日期",
        "停用日期",
    ]
    rows = [header, [c[7], "否", "", "否", "", ""]]
    assert load(engine, "traceability", rows).lines() == [
        f"row 2, 统一社会信用代码, '{c[7]}': no enterprise with this code in the register"
    ]
    rows = [
        header,
        [c[0], "否", "", "否", "", "2025-01-02"],
        [c[3], "是", "2024-04-04", "是", "2024-05-05", ""],
    ]
    summary = import_validated(engine, OFFICE, load(engine, "traceability", rows), today=TODAY)
    assert summary.counts == {
        "added": 0,
        "updated": 2,
        "unchanged": 0,
        "adopted": 1,
        "connected": 1,
        "dropped": 1,
        "disconnected": 1,
    }
    with engine.connect() as conn:
        events = conn.execute(
            select(m.Enterprise.uscc, m.TraceEvent.kind, m.TraceEvent.occurred_on)
            .join(m.Enterprise, m.Enterprise.id == m.TraceEvent.enterprise_id)
            .where(m.TraceEvent.source.like("import f.csv%"))
            .order_by(m.Enterprise.id, m.TraceEvent.kind)
        ).all()
    assert [tuple(e) for e in events] == [
        (c[0], "disconnected", dt.date(2025, 1, 2)),
        (c[0], "dropped", dt.date(2025, 1, 2)),
        (c[3], "adopted", dt.date(2024, 4, 4)),
        (c[3], "connected", dt.date(2024, 5, 5)),
    ]
    again = import_validated(engine, OFFICE, load(engine, "traceability", rows), today=TODAY)
    assert not again.changed


def test_results_are_read_by_official_label_short_spelling_or_code(engine):
    import_validated(
        engine, OFFICE, check_upload(engine, "enterprises", to_xlsx(messy_rows()), "r.xlsx", today=TODAY)
    )
    code = codes(6)[0]
    rows = [
        ["统一社会信用代码", "检查部门", "检查日期", "检查结果"],
        [code, "市食药工商质监局", "2024-05-06", "通过登记的住所（经营场所）无法联系"],
        [code, "市食药工商质监局", "2024-06-06", "通过登记的住所无法联系"],
        [code, "市食药工商质监局", "2024-07-06", "quality_failure"],
    ]
    assert (
        import_validated(engine, OFFICE, load(engine, "inspections", rows), today=TODAY).counts["added"] == 3
    )
    with engine.connect() as conn:
        results = conn.scalars(select(m.Inspection.result).order_by(m.Inspection.checked_on)).all()
    assert results == ["unreachable", "unreachable", "quality_failure"]
