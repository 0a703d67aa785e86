"""The 追溯覆盖率 page under AppTest, on the hand-built register of tests/metrics/adoption_world.py."""

import datetime as dt
import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import APP
from tests.metrics.adoption_world import TARGETS_TOML, seed_database, seed_feed
from traceboard.accounts.authz import Actor

LEADER = Actor("demo-leader", "leader")


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    seed_database(engine)
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS_TOML, encoding="utf-8")
    monkeypatch.setenv("TRACEBOARD_TARGETS", str(path))
    return engine


def open_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["actor"] = LEADER
    at.run()
    at.switch_page("views/adoption.py")
    at.run()
    at.date_input(key="adoption_as_of").set_value(dt.date(2020, 6, 30)).run()
    assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_cards_against_target_and_a_year_earlier(world):
    at = open_page()
    assert at.title[0].value == "追溯覆盖率"
    # 7 active, 4 adopted, 1 connected; a year earlier 4 of 8; connection target (5·0.3 + 2·0.5)/7
    assert cards(at) == {
        "在营企业": ("7", ""),
        "已建立信息化追溯体系": ("4", ""),
        "已接入追溯平台": ("1 (14.3%)", "接入目标 35.7%"),
        "追溯覆盖率": ("57.1%", "较上年同期 +7.1%"),
        "活跃追溯（90 天内有上传）": ("0 (0.0%)", ""),  # no platform feed yet
    }
    # target (5·0.6 + 2·0.8)/7 = 65.7 %, gap 65.7 − 57.1 = 8.6 points
    assert at.caption[0].value == "目标 65.7%，差距 +8.6%"
    assert len(at.get("plotly_chart")) == 4


def test_sector_and_department_filters(world):
    at = open_page()
    at.selectbox(key="adoption_sector").set_value("食品").run()
    assert cards(at)["在营企业"] == ("2", "") and cards(at)["追溯覆盖率"][0] == "50.0%"
    at.selectbox(key="adoption_sector").set_value("全部")
    at.selectbox(key="adoption_department").set_value("市商务粮食局").run()
    assert cards(at)["在营企业"] == ("4", "") and cards(at)["追溯覆盖率"][0] == "100.0%"


def test_work_list_of_a_township_downloads_as_excel(world):
    at = open_page()
    at.selectbox(key="adoption_township").set_value("山枣镇").run()
    assert "山枣镇：2 家企业需跟进（未建立追溯体系，或已申报但未上传数据）。" in [
        m.value for m in at.markdown
    ]
    shown = at.dataframe[-1].value
    assert shown["统一社会信用代码"].tolist() == ["91430381TEST00006X", "91430381TEST00008X"]
    button = at.get("download_button")[0].proto
    assert button.label == "下载待建企业清单（Excel）"
    at.selectbox(key="adoption_township").set_value("望春门街道").run()
    assert at.dataframe[-1].value["企业名称"].tolist() == ["企业2"]


def test_work_list_excel_content(world):
    from tests.metrics.adoption_world import small_frame
    from traceboard.data.frame import to_day
    from traceboard.files.tables import to_xlsx_bytes
    from traceboard.metrics.adoption_report import work_list

    data = to_xlsx_bytes({"待建企业清单": work_list(small_frame(), "山枣镇", to_day(dt.date(2020, 6, 30)))})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["待建企业清单"]
    assert [c.value for c in sheet[2]][:2] == ["91430381TEST00006X", "企业6"]


def test_english_and_a_date_before_any_data(world):
    at = open_page("en")
    assert at.title[0].value == "Traceability adoption"
    assert cards(at)["Adoption rate"][0] == "57.1%"
    at.date_input(key="adoption_as_of").set_value(dt.date(2016, 12, 31)).run()
    assert not at.exception
    assert at.warning[0].value == "2016-12-31 is before any data (the first is 2017-01-01)"


def test_active_tracing_cross_table_and_silent_adopters_on_the_work_list(world):
    seed_feed(world)  # read by hand in tests/metrics/adoption_world.py: nos. 1, 2, 7 active
    at = open_page()
    assert cards(at)["活跃追溯（90 天内有上传）"] == ("3 (42.9%)", "")
    cross = at.dataframe[1].value
    # declared: 1, 7 active; 5, 9 silent — undeclared: 2 active; 6, 8 neither
    assert cross.to_numpy().tolist() == [[2, 2], [1, 2]]
    assert cross.index.tolist() == ["已申报建立", "未申报"]
    at.selectbox(key="adoption_township").set_value("山枣镇").run()
    shown = at.dataframe[-1].value
    assert shown["统一社会信用代码"].tolist() == [
        "91430381TEST00006X",
        "91430381TEST00008X",
        "91430381TEST00005X",
    ]
    assert shown["列入原因"].tolist()[-1] == "已申报建立，但 90 天内未上传追溯数据"
    assert shown["最近上传"].tolist()[-1] is None  # no. 5 reported 0 records on 2020-06-30
    at.selectbox(key="adoption_township").set_value("望春门街道").run()
    shown = at.dataframe[-1].value
    # no. 2 dropped its declaration but uploads (the register is out of date); no. 9 declared,
    # last upload 2020-04-01, 91 days back
    assert shown["企业名称"].tolist() == ["企业2", "企业9"]
    assert [str(d)[:10] for d in shown["最近上传"]] == ["2020-05-20", "2020-04-01"]
