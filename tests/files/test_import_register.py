"""Importing the enterprise register: every mess handled, every error reported exactly, all or nothing."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from tests.files.import_files import HEADER, codes, to_csv, to_xls, to_xlsx
from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.data import models as m
from traceboard.services.imports import ValidationFailed, check_upload, import_validated, render_errors

OFFICE = Actor("office1", "office")
TODAY = dt.date(2026, 6, 1)
C = codes(6)
TITLE = [["湘乡市重要产品追溯体系建设企业名录（2018年）"], ["填报单位：山枣镇人民政府"]]


def messy_rows() -> list[list[object]]:
    """Title rows, then the header on row 3, then rows written every way offices write them."""
    return [
        *TITLE,
        [*HEADER, "备注"],
        [
            1,
            " " + C[0].lower() + " ",
            "湘乡市甲食品有限公司",
            "山枣",
            "食品",
            "白酒",
            "是",
            "2018/3/5",
            "√",
            "2018年9月1日",
            "",
        ],
        [
            2,
            C[1].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "乙公司",
            "山 枣镇",
            "食品",
            "白酒",
            "Y",
            "20180305",
            "N",
            "",
            "x",
        ],
        [3, C[2], "丙公司", "栗山镇 ", "食用农产品", "蔬菜", "已建立", "2018.3.5", "已接入", "43344", ""],
        [4, C[3], "丁公司", "湘乡市东山街道", "药品", "", "否", "", "未接入", "", ""],
        [5, C[4], "戊公司", "开发区", "特种设备", "电梯", "有", "2018-03-05", "0", "", ""],
        [6, C[5], "己公司", "东郊", "危险品", "烟花爆竹", "×", "", "无", "", ""],
    ]


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def run_import(engine, content: bytes, name: str, today=TODAY):
    validation = check_upload(engine, "enterprises", content, name, today=today)
    assert validation.ok, validation.lines()
    return import_validated(engine, OFFICE, validation, today=today)


FORMATS = [
    ("xlsx", lambda rows: to_xlsx(rows)),
    ("xls", lambda rows: to_xls(rows)),
    ("csv", lambda rows: to_csv(rows, "utf-8")),
    ("csv", lambda rows: to_csv(rows, "utf-8-sig")),
    ("csv", lambda rows: to_csv(rows, "gbk")),
    ("csv", lambda rows: to_csv(rows, "gb18030")),
]


@pytest.mark.parametrize(
    ("suffix", "build"), FORMATS, ids=["xlsx", "xls", "utf8", "utf8-bom", "gbk", "gb18030"]
)
def test_messy_register_imports_in_every_format(engine, suffix, build):
    summary = run_import(engine, build(messy_rows()), f"名录.{suffix}")
    assert summary.counts == {
        "added": 6,
        "updated": 0,
        "unchanged": 0,
        "adopted": 4,
        "connected": 2,
        "dropped": 0,
        "disconnected": 0,
    }
    with engine.connect() as conn:
        rows = conn.execute(
            select(m.Enterprise.uscc, m.Enterprise.name, m.Unit.name, m.Enterprise.operating_status)
            .join(m.Unit, m.Unit.id == m.Enterprise.township_id)
            .order_by(m.Enterprise.id)
        ).all()
        events = conn.execute(
            select(m.Enterprise.uscc, m.TraceEvent.kind, m.TraceEvent.occurred_on)
            .join(m.Enterprise, m.Enterprise.id == m.TraceEvent.enterprise_id)
            .order_by(m.Enterprise.id, m.TraceEvent.kind)
        ).all()
    assert [tuple(r) for r in rows] == [
        (C[0], "湘乡市甲食品有限公司", "山枣镇", "在营"),
        (C[1], "乙公司", "山枣镇", "在营"),
        (C[2], "丙公司", "栗山镇", "在营"),
        (C[3], "丁公司", "东山街道", "在营"),
        (C[4], "戊公司", "经济开发区", "在营"),
        (C[5], "己公司", "东郊乡", "在营"),
    ]
    march5 = dt.date(2018, 3, 5)
    assert [tuple(e) for e in events] == [
        (C[0], "adopted", march5),
        (C[0], "connected", dt.date(2018, 9, 1)),
        (C[1], "adopted", march5),
        (C[2], "adopted", march5),
        (C[2], "connected", dt.date(2018, 9, 1)),  # Excel serial 43344
        (C[4], "adopted", march5),
    ]


@pytest.mark.parametrize("build", [to_xlsx, to_xls], ids=["xlsx", "xls"])
def test_a_township_merged_over_several_rows_applies_to_each(engine, build):
    rows = messy_rows()
    rows[4][3] = ""  # covered by the merge: a merged block keeps only its top-left value
    summary = run_import(engine, build(rows, merges=[(3, 3, 4, 3)]), "名录.xls")
    assert summary.counts["added"] == 6
    with engine.connect() as conn:
        towns = (
            conn.execute(
                select(m.Unit.name)
                .join(m.Enterprise, m.Enterprise.township_id == m.Unit.id)
                .order_by(m.Enterprise.id)
            )
            .scalars()
            .all()
        )
    assert towns[:3] == ["山枣镇", "山枣镇", "栗山镇"]


def test_two_header_rows_with_merged_cells(engine):
    # 追溯情况 spans four columns over their own headers; the other headers are merged down two rows.
    top = ["序号", "统一社会信用代码", "企业名称", "所属乡镇", "行业类别", "细分品类", "追溯情况", "", "", ""]
    sub = [
        "",
        "",
        "",
        "",
        "",
        "",
        "是否建立信息化追溯体系",
        "追溯体系建立日期",
        "是否接入追溯平台",
        "接入日期",
    ]
    rows = [TITLE[0], top, sub, *messy_rows()[3:]]
    merges = [(1, c, 2, c) for c in range(6)] + [(1, 6, 1, 9)]
    validation = check_upload(engine, "enterprises", to_xlsx(rows, merges=merges), "a.xlsx", today=TODAY)
    assert validation.ok, validation.lines()
    assert validation.header_row == 3 and len(validation.values) == 6


def test_department_defaults_to_the_subcategorys_then_the_sectors_lead(engine):
    run_import(engine, to_xlsx(messy_rows()), "名录.xlsx")
    with engine.connect() as conn:
        got = dict(
            conn.execute(
                select(m.Enterprise.uscc, m.Unit.name).join(m.Unit, m.Unit.id == m.Enterprise.department_id)
            ).all()
        )
    # 白酒 → 市食药工商质监局; 蔬菜 → 市农业局; 药品 without sub-category → its only lead; 烟花爆竹 → 市安监局
    assert got == {
        C[0]: "市食药工商质监局",
        C[1]: "市食药工商质监局",
        C[2]: "市农业局",
        C[3]: "市食药工商质监局",
        C[4]: "市食药工商质监局",
        C[5]: "市安监局",
    }


def error_rows() -> list[list[object]]:
    good = ["山枣镇", "食品", "白酒"]
    return [
        *TITLE,
        HEADER,
        [1, C[0], "甲", *good, "是", "2018-03-05", "否", ""],
        [2, "91430111MA4L41YT1X", "乙", *good, "否", "", "否", ""],
        [3, C[0].lower(), "丙", *good, "否", "", "否", ""],
        [4, C[1], "丁", "山早镇", "食品", "白酒", "否", "", "否", ""],
        [5, C[2], "戊", "山枣镇", "食品类", "", "否", "", "否", ""],
        [6, C[3], "己", *good, "是", "2018-02-30", "否", ""],
        [7, C[4], "庚", *good, "是", "", "否", ""],
        [8, C[5], "辛", *good, "否", "", "是", "2019-01-01"],
        [9, codes(8)[6], "", *good, "否", "", "否", ""],
        [10, codes(8)[7], "壬", "山枣镇", "食品", "蔬菜", "待定", "", "否", "2027-01-01"],
    ]


EXPECTED_LINES = [
    "row 5, 统一社会信用代码, '91430111MA4L41YT1X': check character should be 'U'",
    f"row 6, 统一社会信用代码, '{C[0].lower()}': duplicate code in the file (first on row 4)",
    "row 7, 所属乡镇, '山早镇': unknown township '山早镇' — did you mean 山枣镇?",
    "row 8, 行业类别, '食品类': unknown sector '食品类' — did you mean 食品?",
    "row 9, 追溯体系建立日期, '2018-02-30': impossible date (2018-02-30 does not exist)",
    "row 10, 追溯体系建立日期, '': adoption date missing for 是",
    "row 11, 是否接入追溯平台, '是': connected without adoption (建立 is 否)",
    "row 12, 企业名称, '': missing",
    "row 13, 细分品类, '蔬菜': sub-category '蔬菜' belongs to 食用农产品, not to 食品",
    "row 13, 是否建立信息化追溯体系, '待定': expected yes or no (是/否, Y/N, √/×, 1/0, 有/无)",
    "row 13, 接入日期, '2027-01-01': date in the future (after 2026-06-01)",
]


@pytest.mark.parametrize(("suffix", "build"), FORMATS[:3], ids=["xlsx", "xls", "csv"])
def test_every_error_is_reported_with_row_column_value_and_reason(engine, suffix, build):
    validation = check_upload(engine, "enterprises", build(error_rows()), f"名录.{suffix}", today=TODAY)
    assert validation.lines() == EXPECTED_LINES
    assert validation.header_row == 3


def test_one_error_and_nothing_is_written(engine):
    rows = messy_rows()
    rows[-1][3] = "火星镇"
    validation = check_upload(engine, "enterprises", to_xlsx(rows), "名录.xlsx", today=TODAY)
    assert validation.lines() == ["row 9, 所属乡镇, '火星镇': unknown township '火星镇'"]
    before = (count(engine, m.Enterprise), count(engine, m.TraceEvent), count(engine, m.AuditLog))
    with pytest.raises(ValidationFailed, match="1 problem"):
        import_validated(engine, OFFICE, validation, today=TODAY)
    assert (count(engine, m.Enterprise), count(engine, m.TraceEvent), count(engine, m.AuditLog)) == before
    assert before[:2] == (0, 0)


def test_a_failure_while_writing_rolls_everything_back(engine, monkeypatch):
    from traceboard.files.importers import register

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(register, "write_trace_events", broken)
    validation = check_upload(engine, "enterprises", to_xlsx(messy_rows()), "名录.xlsx", today=TODAY)
    with pytest.raises(RuntimeError, match="disk full"):
        import_validated(engine, OFFICE, validation, today=TODAY)
    assert count(engine, m.Enterprise) == 0


def test_same_file_twice_changes_nothing_the_second_time(engine):
    content = to_xlsx(messy_rows())
    first = run_import(engine, content, "名录.xlsx")
    after_first = (count(engine, m.Enterprise), count(engine, m.TraceEvent), count(engine, m.AuditLog))
    second = run_import(engine, content, "名录.xlsx")
    assert first.changed and not second.changed
    assert second.counts["added"] == 0 and second.counts["updated"] == 0 and second.counts["unchanged"] == 6
    assert second.describe().startswith(
        "added 0, updated 0, unchanged 6; nothing changed (same content imported "
    )
    assert second.describe().endswith(" by office1)")
    assert (
        count(engine, m.Enterprise),
        count(engine, m.TraceEvent),
        count(engine, m.AuditLog),
    ) == after_first


def test_one_audit_row_per_import_with_the_files_sha256(engine):
    content = to_csv(messy_rows(), "gbk")
    run_import(engine, content, "名录.csv")
    with engine.connect() as conn:
        audit = conn.execute(
            select(
                m.AuditLog.action, m.AuditLog.actor, m.AuditLog.entity_id, m.AuditLog.before, m.AuditLog.after
            ).where(m.AuditLog.action.like("import.%"))
        ).all()
    assert len(audit) == 1
    action, actor, entity_id, before, after = audit[0]
    assert before == {"enterprise_rows": 0}
    assert (action, actor, entity_id) == (
        "import.enterprises",
        "office1",
        hashlib.sha256(content).hexdigest(),
    )
    assert after["sha256"] == hashlib.sha256(content).hexdigest()
    assert (after["file"], after["rows"], after["added"], after["enterprise_rows"]) == ("名录.csv", 6, 6, 6)


def test_changes_update_and_record_drops_and_adoptions(engine):
    run_import(engine, to_xlsx(messy_rows()), "名录.xlsx")
    rows = [[*r, ""] if i >= 2 else r for i, r in enumerate(messy_rows())]
    rows[2] = [*HEADER, "备注", "停用日期"]
    rows[3][6] = "否"  # 甲: 是 → 否 with no 停用日期: dropped (and disconnected) on the import date
    rows[3][8] = "否"
    rows[4][6], rows[4][11] = "否", "2020-01-02"  # 乙: dropped on 停用日期
    rows[6][6], rows[6][7] = "是", "2021-05-06"  # 丁: newly adopted
    rows[7][2] = "戊公司（改名）"  # 戊: renamed
    summary = run_import(engine, to_xlsx(rows), "名录-更新.xlsx", today=dt.date(2026, 7, 1))
    assert summary.counts == {
        "added": 0,
        "updated": 4,
        "unchanged": 2,
        "adopted": 1,
        "connected": 0,
        "dropped": 2,
        "disconnected": 1,
    }
    with engine.connect() as conn:
        new_events = conn.execute(
            select(m.Enterprise.uscc, m.TraceEvent.kind, m.TraceEvent.occurred_on)
            .join(m.Enterprise, m.Enterprise.id == m.TraceEvent.enterprise_id)
            .where(m.TraceEvent.source.like("import 名录-更新.xlsx%"))
            .order_by(m.Enterprise.id, m.TraceEvent.kind)
        ).all()
        name = conn.scalar(select(m.Enterprise.name).where(m.Enterprise.uscc == C[4]))
    assert [tuple(e) for e in new_events] == [
        (C[0], "disconnected", dt.date(2026, 7, 1)),
        (C[0], "dropped", dt.date(2026, 7, 1)),
        (C[1], "dropped", dt.date(2020, 1, 2)),
        (C[3], "adopted", dt.date(2021, 5, 6)),
    ]
    assert name == "戊公司（改名）"


def test_importing_needs_register_manage(engine):
    validation = check_upload(engine, "enterprises", to_xlsx(messy_rows()), "名录.xlsx", today=TODAY)
    with pytest.raises(PermissionDenied, match=r"li \(inspector\) may not register.manage"):
        import_validated(engine, Actor("li", "inspector", 4), validation, today=TODAY)
    assert count(engine, m.Enterprise) == 0


def test_legacy_codes_on_the_allow_list_are_accepted(engine):
    from traceboard.data.db import transaction

    with transaction(engine) as session:
        session.add(m.LegacyCode(code="91430111MA4L41YT1X", reason="试点期间赋码", added_by="office"))
    rows = [*TITLE, HEADER, [1, "91430111ma4l41yt1x", "甲", "山枣镇", "食品", "白酒", "否", "", "否", ""]]
    assert check_upload(engine, "enterprises", to_xlsx(rows), "a.xlsx", today=TODAY).ok


def test_missing_columns_ignored_columns_and_english_headers(engine):
    rows = [
        ["No.", "USCC", "Enterprise name", "Township", "Sector", "remark"],
        [1, C[0], "甲", "山枣镇", "食品", "x"],
    ]
    validation = check_upload(engine, "enterprises", to_csv(rows, "utf-8"), "en.csv", today=TODAY)
    assert validation.ok and validation.ignored == ["No.", "remark"]
    rows = [["序号", "企业名称", "所属乡镇"], [1, "甲", "山枣镇"]]
    validation = check_upload(engine, "enterprises", to_csv(rows, "utf-8"), "a.csv", today=TODAY)
    assert validation.lines() == [
        "row 1, 统一社会信用代码, '': required column missing",
        "row 1, 行业类别, '': required column missing",
    ]
    rows = [
        ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别", "是否接入追溯平台"],
        [C[0], "甲", "山枣镇", "食品", "否"],
    ]
    validation = check_upload(engine, "enterprises", to_csv(rows, "utf-8"), "a.csv", today=TODAY)
    assert validation.lines() == [
        "row 1, 是否接入追溯平台, '是否接入追溯平台': "
        "column 是否建立信息化追溯体系 missing (needed with this column)"
    ]
    validation = check_upload(
        engine, "enterprises", to_csv([["名录"], ["a", "b"]], "utf-8"), "a.csv", today=TODAY
    )
    assert validation.lines() == [
        "row 1: no header row found: expected columns 统一社会信用代码, 企业名称, 所属乡镇, 行业类别"
    ]


def test_errors_file_marks_faulty_cells_and_gives_reasons(engine):
    import io

    from openpyxl import load_workbook

    validation = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx", today=TODAY)
    book = load_workbook(io.BytesIO(render_errors(validation)))
    sheet = book["名录"]
    header = [c.value for c in sheet[1]]
    assert header == ["行号", *HEADER, "错误原因"]
    row7 = [c for c in sheet[5]]  # data row 3 of the sheet = spreadsheet row 7 (山早镇)
    assert row7[0].value == 7
    assert (
        row7[-1].value == "未知的乡镇“山早镇”，是否应为“山枣镇”？"
    )  # the reader's language: Chinese by default
    township = row7[header.index("所属乡镇")]
    assert township.value == "山早镇" and township.fill.fgColor.rgb == "FFFFC7CE"
    assert row7[header.index("企业名称")].fill.fgColor.rgb != "FFFFC7CE"
    listing = list(book["问题清单"].values)
    assert listing[0] == ("文件", "工作表", "行号", "列", "值", "问题")
    assert len(listing) == 1 + len(EXPECTED_LINES)


@pytest.mark.parametrize(
    "rows",
    [
        [
            ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别", "是否建立信息化追溯体系"],
            [C[0], "甲店", "山枣镇", "食品", "否"],
        ],
        [
            [
                "统一社会信用代码",
                "企业名称",
                "所属乡镇",
                "行业类别",
                "是否建立信息化追溯体系",
                "是否接入追溯平台",
            ]
        ],
    ],
    ids=["no-date-column", "header-only"],
)
def test_optional_columns_may_be_absent(engine, rows):
    summary = run_import(engine, to_csv(rows, "utf-8"), "名录.csv")
    assert summary.counts["added"] == len(rows) - 1
    assert count(engine, m.TraceEvent) == 0


def test_traceability_update_where_every_row_says_no(engine):
    run_import(engine, to_csv([HEADER[1:5], [C[0], "甲店", "山枣镇", "食品"]], "utf-8"), "名录.csv")
    rows = [["统一社会信用代码", "是否建立信息化追溯体系"], [C[0], "否"]]
    validation = check_upload(engine, "traceability", to_csv(rows, "utf-8"), "追溯.csv", today=TODAY)
    assert validation.ok, validation.lines()
    assert import_validated(engine, OFFICE, validation, today=TODAY).counts["unchanged"] == 1
