"""AppTest of 数据管理: sign-in prompt, upload → validation → confirm, templates, export with filters."""

import re
from pathlib import Path

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from tests.files.import_files import HEADER, codes, to_csv, to_xlsx
from tests.files.test_import_register import error_rows, messy_rows
from traceboard.accounts.authz import Actor
from traceboard.data import models as m

DASHBOARD = Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard"
APP = str(DASHBOARD / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_page(actor: Actor | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if actor is not None:
        at.session_state["actor"] = actor
    at.run()
    at.switch_page("views/data_admin.py")
    at.run()
    return at


def run_page_alone(actor: Actor | None) -> AppTest:
    """The page file itself (the navigation shows it only to roles that may use it)."""
    at = AppTest.from_file(str(DASHBOARD / "views" / "data_admin.py"), default_timeout=60)
    if actor is not None:
        at.session_state["actor"] = actor
    at.run()
    return at


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(m.Enterprise))


def test_without_sign_in_the_page_asks_to_sign_in(engine):
    at = run_page_alone(None)
    assert not at.exception
    assert at.title[0].value == "数据管理"
    assert at.info[0].value.startswith("请先登录")
    assert not at.file_uploader


def test_upload_shows_problems_and_writes_nothing(engine):
    at = open_page(Actor("office1", "office"))
    at.file_uploader(key="upload").set_value(("名录.xlsx", to_xlsx(error_rows()), XLSX))
    at.run()
    assert not at.exception
    assert at.error[0].value == "发现 11 个问题，全部改正后才能导入；本次没有写入任何数据。"
    problems = at.dataframe[1].value
    assert problems.iloc[0].tolist() == [
        "名录.xlsx",
        "名录",
        5,
        "统一社会信用代码",
        "91430111MA4L41YT1X",
        "校验位（第 18 位）应为“U”",
    ]
    assert not [b for b in at.button if b.key == "confirm"]
    assert count(engine) == 0


def test_in_chinese_every_problem_is_worded_in_chinese(engine):
    # (English mode is not driven here: AppTest words a select box's options with the page's
    # format_func outside the session, i.e. in Chinese; tests/files/test_error_workbook.py has English.)
    at = open_page(Actor("office1", "office"))
    at.file_uploader(key="upload").set_value(("名录.xlsx", to_xlsx(error_rows()), XLSX))
    at.run()
    assert not at.exception
    problems = at.dataframe[1].value
    assert list(problems.columns) == ["文件", "工作表", "行号", "列", "值", "问题"]
    reasons = problems["问题"].tolist()
    assert "细分品类“蔬菜”属于食用农产品，不属于食品" in reasons
    assert "未知的乡镇“山早镇”，是否应为“山枣镇”？" in reasons
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in reasons), reasons
    faulty = at.dataframe[2].value  # the faulty rows, their reasons last
    assert faulty.columns[-1] == "错误原因"
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in faulty["错误原因"])
    assert [b for b in at.get("download_button") if b.key == "errors"]


def test_the_downloaded_error_workbook_comes_back_without_a_crash(engine):
    from traceboard.services.imports import check_upload, render_errors

    bad = check_upload(engine, "enterprises", to_xlsx(error_rows()), "名录.xlsx")
    at = open_page(Actor("office1", "office"))
    at.file_uploader(key="upload").set_value(("名录-问题.xlsx", render_errors(bad, "zh"), XLSX))
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith(f"发现 {len(bad.problems)} 个问题")
    preview = at.dataframe[0].value
    assert list(preview.columns).count("行号") == 1 and list(preview.columns).count("错误原因") == 1


def test_upload_confirm_imports_then_reimport_changes_nothing(engine):
    at = open_page(Actor("office1", "office"))
    content = to_csv(messy_rows(), "gbk")
    at.file_uploader(key="upload").set_value(("名录.csv", content, "text/csv"))
    at.run()
    assert at.success[0].value == "校验通过：6 行全部无误。"
    assert "编码 GBK" in at.caption[0].value and "表头在第 3 行" in at.caption[0].value
    at.button(key="confirm").click()
    at.run()
    assert not at.exception
    assert at.success[0].value == "导入完成：新增 6 家，更新 0 家，未变 0 家。"
    assert count(engine) == 6
    at.file_uploader(key="upload").set_value(("名录.csv", content, "text/csv"))
    at.run()
    at.button(key="confirm").click()
    at.run()
    assert at.success[0].value.startswith("没有任何变化：6 行")
    assert count(engine) == 6


def test_export_tab_filters_the_register(demo_engine):
    at = open_page(Actor("office1", "office"))
    assert not {"export_xlsx", "export_csv"} & {b.key for b in at.get("download_button")}  # not read yet
    at.toggle(key="export_show").set_value(True)
    at.multiselect(key="filter_township").set_value(["山枣镇"])
    at.radio(key="filter_adopted").set_value("yes")
    at.run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert len(shown) > 0
    assert set(shown["所属乡镇"]) == {"山枣镇"} and set(shown["是否建立信息化追溯体系"]) == {"是"}
    assert {b.key for b in at.get("download_button")} >= {"template", "export_xlsx", "export_csv"}


def test_an_inspector_sees_no_register_export(engine):
    at = run_page_alone(Actor("li", "inspector", 4))
    assert not at.exception
    assert "您的角色不能导出企业名录。" in [i.value for i in at.info]


def test_a_bomb_workbook_is_one_line_on_the_page_and_the_page_goes_on(engine):
    from tests.files.test_read_limits import bomb_xlsx

    at = open_page(Actor("office1", "office"))
    at.file_uploader(key="upload").set_value(("bomb.xlsx", bomb_xlsx(), XLSX))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["无法读取该文件：工作表有 1,048,576 行，最多 200,000 行"]
    at.file_uploader(key="upload").set_value(("名录.xlsx", to_xlsx(messy_rows()), XLSX))
    at.run()
    assert not at.exception and not at.error


def test_markdown_in_headers_and_file_names_is_shown_as_text(engine):
    header = ["[修正](http://host/fix)", *HEADER[1:], "![x](http://host/beacon.png)"]
    rows = [header, ["1", codes(1)[0], "甲食品店", "山枣镇", "食品", "", "否", "", "否", "", "x"]]
    at = open_page(Actor("office1", "office"))
    at.file_uploader(key="upload").set_value(("[名录](x).csv", to_csv(rows, "utf-8"), "text/csv"))
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "beacon" in captions and "修正" in captions and "名录" in captions
    # A link or an image needs an unescaped [ and ], a bare link "://": every one from data is escaped.
    assert re.search(r"(?<!\\)[\[\]]", captions) is None and re.search(r"(?<!\\)://", captions) is None
