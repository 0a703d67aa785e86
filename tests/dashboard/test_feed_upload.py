"""AppTest of 数据管理 → 平台数据: a platform feed uploaded on the page, in Chinese and in English.

The register is the hand-built world of tests/metrics/adoption_world.py; its JSON Lines feed
has 5 rows (nos. 1 twice, 2, 3, 4). The page parses the feed in the memory-limited child
(``files.isolated_parse``), as it parses spreadsheets.
"""

import json

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_data_admin import APP
from tests.metrics.adoption_world import JSONL_FEED, USCC, seed_database
from traceboard.accounts.authz import Actor
from traceboard.dashboard import state
from traceboard.data import models as m
from traceboard.data.audit import data_version

OFFICE = Actor("office1", "office")
UNKNOWN = "91430381TEST00099X"  # well formed, not in the register


def jsonl(rows: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n").encode()


def open_feeds(lang: str, monkeypatch=None) -> AppTest:
    if monkeypatch is not None:
        # Between runs AppTest formats the page's selectboxes outside the script, where the
        # session's language is not known: there the default stands in for it.
        monkeypatch.setattr(state, "DEFAULT_LANGUAGE", lang)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["actor"] = OFFICE
    at.run()
    at.switch_page("views/data_admin.py")
    at.run()
    assert not at.exception, at.exception
    return at


def ingest(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="feed_upload").set_value((name, content, "application/json"))
    at.run()
    at.button(key="feed_confirm").click()
    at.run()
    assert not at.exception, at.exception
    return at


def record(engine) -> tuple[int, int]:
    """Rows of platform_upload and the data version (every change writes an audit row)."""
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(m.PlatformUpload)), data_version(conn)


@pytest.fixture
def world(engine):
    seed_database(engine)
    return engine


DONE = {
    "zh": ("feed.jsonl：新增 5 行，更新 0 行。", "没有任何变化"),
    "en": ("feed.jsonl: 5 rows added, 0 updated.", "Nothing changed"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_good_feed_changes_the_counts_and_again_changes_nothing(world, lang, monkeypatch):
    before = record(world)
    at = ingest(open_feeds(lang, monkeypatch), "feed.jsonl", jsonl(JSONL_FEED))
    assert [s.value for s in at.success] == [DONE[lang][0]]
    rows, version = record(world)
    assert rows == before[0] + 5 and version > before[1]
    at = ingest(at, "feed.jsonl", jsonl(JSONL_FEED))
    assert len(at.success) == 1 and DONE[lang][1] in at.success[0].value
    assert record(world) == (rows, version)


BAD = {
    "zh": (
        "feed.jsonl 有 1 处问题，未导入任何数据：",
        ["行号", "列", "值", "问题"],
        "统一社会信用代码不在企业名录中",
    ),
    "en": ("feed.jsonl has 1 problem(s); nothing was ingested:", None, "credit code not in the register"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_feed_with_one_bad_row_shows_it_by_row_and_column_and_changes_nothing(world, lang, monkeypatch):
    before = record(world)
    feed = [*JSONL_FEED[:2], JSONL_FEED[2] | {"uscc": UNKNOWN}, *JSONL_FEED[3:]]
    at = ingest(open_feeds(lang, monkeypatch), "feed.jsonl", jsonl(feed))
    message, headers, reason = BAD[lang]
    assert [e.value for e in at.error] == [message]
    problems = at.dataframe[0].value
    if headers is not None:
        assert list(problems.columns) == headers
    assert problems.values.tolist() == [[3, "uscc", UNKNOWN, reason]]
    assert not at.success
    assert record(world) == before


def test_every_kind_of_row_problem_is_worded_in_chinese(world):
    feed = [
        JSONL_FEED[0],
        JSONL_FEED[0],
        JSONL_FEED[2] | {"records": -1},
        JSONL_FEED[3] | {"date": "2020-6-31"},
        JSONL_FEED[4] | {"platform": "nowhere"},
    ]
    at = ingest(open_feeds("zh"), "feed.jsonl", jsonl(feed))
    assert [e.value for e in at.error] == ["feed.jsonl 有 4 处问题，未导入任何数据："]
    problems = at.dataframe[0].value
    assert problems["行号"].tolist() == [2, 3, 4, 5]
    reasons = problems["问题"].tolist()
    assert reasons[:3] == [
        "与第 1 行的平台、统一社会信用代码和日期重复",
        "不能为负数",
        "不是 YYYY-MM-DD 格式的日期",
    ]
    assert reasons[3].startswith("未知平台（已知：hunan-important")


def test_a_hostile_feed_is_one_clear_line_and_the_page_goes_on(world):
    before = record(world)
    at = open_feeds("zh")
    huge = jsonl(JSONL_FEED[:1]) + b'{"platform": "' + b"x" * (2 * 1024 * 1024) + b'"}\n'
    ingest(at, "huge.jsonl", huge)
    assert [e.value for e in at.error] == ["无法读取该文件：第 2 行超过 1 MB"]
    depth = 100_000
    nested = b'{"platform": ' + b"[" * depth + b"]" * depth + f', "uscc": "{USCC[1]}"}}\n'.encode()
    ingest(at, "nested.jsonl", jsonl(JSONL_FEED[:1]) + nested)
    assert [e.value for e in at.error] == ["nested.jsonl 有 1 处问题，未导入任何数据："]
    assert at.dataframe[0].value.values.tolist()[0][::3] == [2, "不是平台数据行：嵌套层数过多"]
    assert record(world) == before
    ingest(at, "feed.jsonl", jsonl(JSONL_FEED))  # the page goes on
    assert not at.error and [s.value for s in at.success] == [DONE["zh"][0]]
