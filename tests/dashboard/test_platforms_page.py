"""The 平台对接 page under AppTest, on the hand-built world and its feed (tests/metrics/adoption_world.py).

At 2020-06-30 with the 90-day window, read from the feed by hand (uploads with records only):
hunan-important — nos. 1 (06-15 × 12), 3 (06-01 × 5), 4 (06-20 × 2) in the window, no. 1 also
01-10; no. 5's 06-30 carried 0 records: 3 uploading, 3 ever, 19 records, last 2020-06-20 (10 days).
xiangtan — nos. 2 (05-20 × 4), 7 (04-02 × 3) in the window, no. 9 (04-01) just outside, no. 8
(07-01) after the date: 2 uploading, 3 ever, 7 records, last 2020-05-20 (41 days).
"""

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.dashboard.test_adoption_page import world  # noqa: F401  (fixture)
from tests.dashboard.test_pages import APP
from tests.metrics.adoption_world import USCC, seed_feed
from traceboard.accounts.authz import Actor


def open_page(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["actor"] = Actor("demo-office", "office")
    at.run()
    at.switch_page("views/platforms.py")
    at.run()
    at.date_input(key="platforms_as_of").set_value(dt.date(2020, 6, 30)).run()
    assert not at.exception, at.exception
    return at


def test_platforms_in_chinese_with_counts_freshness_and_one_enterprise(world):  # noqa: F811
    seed_feed(world)
    at = open_page("zh")
    assert at.title[0].value == "平台对接"
    assert {m.label: m.value for m in at.metric} == {
        "对接平台": "5",
        "90 天内上传企业（按平台累计）": "5",
        "最近收到数据": "2020-06-20",
    }
    table = at.dataframe[0].value.set_index("平台代码")
    counts = ["90 天内上传企业", "累计上传企业", "90 天内记录数"]
    assert table.loc["hunan-important", counts].tolist() == [
        3,
        3,
        19,
    ]
    assert table.loc["hunan-important", "最近上传日期"] == "2020-06-20"
    assert table.loc["hunan-important", "状态"] == "已 10 天未收到数据"
    assert table.loc["xiangtan", counts].tolist() == [2, 3, 7]
    assert table.loc["xiangtan", "距今天数"] == "41"
    assert table.loc["drug", "距今天数"] == "—"
    assert table.loc["drug", "状态"] == "未收到数据"
    assert len(at.get("plotly_chart")) == 1  # records per month

    at.text_input(key="platforms_uscc").set_value(USCC[1]).run()
    uploads = at.dataframe[-1].value
    assert uploads["上传记录数"].tolist() == [30, 12]
    assert uploads["关键数据项完整度"].isna().tolist() == [True, False]
    assert uploads["关键数据项完整度"].tolist()[1] == 0.5  # subject, product, batch of six
    assert len(at.get("plotly_chart")) == 2


def test_platforms_in_english_without_uploads(world):  # noqa: F811
    at = open_page("en")
    assert at.title[0].value == "Platform links"
    assert at.info[0].value == "No platform has sent uploads yet."
    assert at.dataframe[0].value["Status"].unique().tolist() == ["No data received"]
