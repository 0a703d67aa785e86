"""``traceboard import / export / template``, in-process through the real entry point."""

import pytest
from sqlalchemy import func, select

from tests.files.import_files import HEADER, codes, to_csv, to_xlsx
from tests.files.test_import_register import error_rows, messy_rows
from traceboard.cli.main import main
from traceboard.data import models as m
from traceboard.data.db import transaction


@pytest.fixture
def office(engine):
    with transaction(engine) as session:
        session.add(m.User(username="office1", role="office"))
        session.add(m.User(username="leader1", role="leader"))
    return "office1"


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_import_then_import_again(engine, office, tmp_path, capsys):
    path = tmp_path / "名录.csv"
    path.write_bytes(to_csv(messy_rows(), "gbk"))
    assert main(["import", "enterprises", str(path), "--as", office]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "enterprises: 名录.csv, sheet 名录, GBK, header on row 3, 6 rows",
        "ignored columns: 序号, 备注",
        "added 6, updated 0, unchanged 0; events: adopted 4, connected 2",
    ]
    assert main(["import", "enterprises", str(path), "--as", office]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("added 0, updated 0, unchanged 6; nothing changed (same content imported ")
    assert count(engine, m.Enterprise) == 6


def test_validation_errors_exit_1_with_one_line_per_problem(engine, office, tmp_path, capsys):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(to_xlsx(error_rows()))
    marked = tmp_path / "错误.xlsx"
    code = main(["import", "enterprises", str(path), "--errors", str(marked), "--as", office])
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.out.splitlines()
    assert lines[0] == "enterprises: 名录.xlsx, sheet 名录, header on row 3, 10 rows"
    assert lines[1] == "ignored columns: 序号"
    assert lines[2] == "row 5, 统一社会信用代码, '91430111MA4L41YT1X': check character should be 'U'"
    assert "row 7, 所属乡镇, '山早镇': unknown township '山早镇' — did you mean 山枣镇?" in lines
    assert (
        captured.err.strip().startswith("traceboard: ")
        and "nothing was imported; marked-up file:" in captured.err
    )
    assert marked.read_bytes()[:2] == b"PK"
    assert count(engine, m.Enterprise) == 0


def test_in_chinese_the_problems_refusals_and_the_marked_up_file_are_chinese(
    engine, office, tmp_path, capsys, monkeypatch
):
    from openpyxl import load_workbook

    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    path = tmp_path / "名录.xlsx"
    path.write_bytes(to_xlsx(error_rows()))
    marked = tmp_path / "错误.xlsx"
    assert main(["import", "enterprises", str(path), "--errors", str(marked), "--as", office]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "第 5 行，统一社会信用代码，“91430111MA4L41YT1X”：校验位（第 18 位）应为“U”" in lines
    assert "第 7 行，所属乡镇，“山早镇”：未知的乡镇“山早镇”，是否应为“山枣镇”？" in lines
    book = load_workbook(marked)
    assert book.sheetnames == ["名录", "问题清单"]
    assert [c.value for c in book["名录"][1]][-1] == "错误原因"
    assert main(["import", "enterprises", str(path), "--as", "leader1"]) == 1
    assert capsys.readouterr().err.strip() == (
        "traceboard: leader1（领导小组）无权管理企业名录和数据；有此权限的角色：领导小组办公室"
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\xff\xfe\xff")
    assert main(["import", "enterprises", str(bad), "--as", office]) == 2
    assert capsys.readouterr().err.strip() == (
        "traceboard: bad.csv：无法读取：不是 UTF-8、GBK 或 GB18030 编码的文本，请另存为“CSV UTF-8”"
    )


def test_dry_run_validates_only(engine, tmp_path, capsys):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(to_xlsx(messy_rows()))
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "valid; nothing written (--dry-run)"
    assert count(engine, m.Enterprise) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "traceboard: cannot read"),
        ("bad.csv", b"a,b\n\xff\xfe\xff", "traceboard: bad.csv: not UTF-8, GBK or GB18030 text"),
        ("bad.xlsx", b"PK\x03\x04 broken", "traceboard: bad.xlsx: not a readable workbook"),
    ],
)
def test_unreadable_file_exits_2(engine, office, tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["import", "enterprises", str(path), "--as", office]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_import_needs_an_acting_user_with_the_right_role(engine, office, tmp_path, capsys):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(to_xlsx(messy_rows()))
    assert main(["import", "enterprises", str(path)]) == 1
    assert "--as NAME" in capsys.readouterr().err
    assert main(["import", "enterprises", str(path), "--as", "leader1"]) == 1
    assert "leader1 (leader) may not register.manage" in capsys.readouterr().err
    assert count(engine, m.Enterprise) == 0


def test_export_csv_with_filters_has_a_bom_and_chinese_headers(engine, office, tmp_path, capsys):
    path = tmp_path / "名录.xlsx"
    path.write_bytes(to_xlsx(messy_rows()))
    assert main(["import", "enterprises", str(path), "--as", office]) == 0
    out = tmp_path / "out.csv"
    args = [
        "export",
        "enterprises",
        "--format",
        "csv",
        "--out",
        str(out),
        "--township",
        "山枣",
        "--adopted",
        "yes",
    ]
    assert main([*args, "--as", "leader1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"enterprises: 2 rows written to {out}"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"]
    assert [line.split(",")[0] for line in lines[1:]] == codes(6)[:2]


def test_every_export_writes_one_audit_row_personal_data_included(engine, office, tmp_path, capsys):
    out = tmp_path / "检查人员.csv"
    assert main(["export", "inspectors", "--format", "csv", "--out", str(out), "--as", office]) == 0
    with transaction(engine) as session:
        row = session.scalars(select(m.AuditLog).order_by(m.AuditLog.id.desc())).first()
    assert (row.actor, row.action, row.entity) == (office, "export", "inspectors")
    assert row.after == {"format": "csv", "rows": 0, "filters": {}} and out.exists()
    assert main(["export", "inspectors", "--out", str(tmp_path / "no" / "dir.xlsx"), "--as", office]) != 0
    with transaction(engine) as session:  # the file could not be written: no row claims it was
        assert session.scalar(select(func.max(m.AuditLog.id))) == row.id


def test_export_rejects_an_unknown_filter_value(engine, office, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    assert main(["export", "enterprises", "--out", str(out), "--township", "山早镇", "--as", office]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: unknown township '山早镇' — did you mean 山枣镇?"


def test_template_has_headers_dropdowns_and_explanations(engine, tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "模板.xlsx"
    assert main(["template", "enterprises", "--out", str(out)]) == 0
    book = load_workbook(out)
    sheet = book["企业名录"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == HEADER[1:5]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    township_col = sheet.cell(1, header.index("所属乡镇") + 1).column_letter
    source = lists[f"{township_col}2"]
    column = source.split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
    values = [c.value for c in book["_lists"][column] if c.value]
    assert len(values) == 24 and values[:2] == ["望春门街道", "新湘路街道"]
    yes_no_col = sheet.cell(1, header.index("是否建立信息化追溯体系") + 1).column_letter
    assert f"{yes_no_col}2" in lists
    notes = list(book["填写说明"].values)
    assert notes[0] == ("列名", "必填", "说明", "也可用的列名")
    assert notes[1][:2] == ("统一社会信用代码", "必填")


def test_in_chinese_the_commands_own_lines_are_chinese(engine, office, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    path = tmp_path / "名录.csv"
    path.write_bytes(to_csv(messy_rows(), "gbk"))
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "enterprises：名录.csv，工作表 名录，GBK，表头在第 3 行，共 6 行",
        "已忽略的列：序号、备注",
        "数据有效；未写入（--dry-run）",
    ]
    assert main(["import", "enterprises", str(path), "--as", office]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "新增 6，更新 0，未变 0；事件：采用追溯 4、接入平台 2"
    )
    assert main(["import", "enterprises", str(path), "--as", office]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("新增 0，更新 0，未变 6；没有变化（相同内容已于 ")
    assert last.endswith("（office1）导入）")
    bad = tmp_path / "名录.xlsx"
    bad.write_bytes(to_xlsx(error_rows()))
    marked = tmp_path / "错误.xlsx"
    assert main(["import", "enterprises", str(bad), "--errors", str(marked), "--as", office]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("traceboard: 共 ")
    assert err.endswith(f"个问题；未导入任何数据；已标出问题的文件：{marked}")
    assert main(["import", "enterprises", str(bad)]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 此命令会修改记录：请用 --as 用户名 指明操作人"
    out = tmp_path / "名录-导出.csv"
    assert main(["export", "enterprises", "--format", "csv", "--out", str(out), "--as", office]) == 0
    assert capsys.readouterr().out.strip() == f"enterprises：已将 6 行写入 {out}"
    template = tmp_path / "模板.xlsx"
    assert main(["template", "enterprises", "--out", str(template)]) == 0
    assert capsys.readouterr().out.strip() == f"enterprises：模板已写入 {template}"
