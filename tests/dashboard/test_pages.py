"""AppTest smoke tests: every page renders without an exception, in Chinese by default.

Pages need a signed-in user: ``st.session_state["actor"]`` holds an ``authz.Actor``
(the office sees every page but the sign-in page).
"""

from pathlib import Path

import pytest
from streamlit.proto.Block_pb2 import Block as BlockProto
from streamlit.testing.v1 import AppTest

from traceboard.accounts.authz import Actor
from traceboard.dashboard.navigation import visible_pages

APP = str(Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard" / "app.py")
OFFICE = Actor("demo-office", "office")
PAGES = visible_pages("office")


def run_page(page: str, lang: str = "zh", actor: Actor | None = OFFICE) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    if actor is not None:
        at.session_state["actor"] = actor
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py")
        at.run()
    return at


def tab_sets(at: AppTest) -> list:
    """The tab sets (st.tabs) the page drew, as their protos."""
    found, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if isinstance(proto, BlockProto) and proto.WhichOneof("type") == "tab_container":
            found.append(proto.tab_container)
        stack.extend(getattr(node, "children", {}).values())
    return found


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(demo_engine, page):
    at = run_page(page)
    assert not at.exception, at.exception
    assert at.title, "each page has a title"
    # a tab set that does not track its state throws the user back to its first tab after a button
    # or a message above it (a rerun); keyed tabs with on_change="rerun" are a widget with an id
    for tabs in tab_sets(at):
        assert tabs.id, f"{page}: a tab set without state (st.tabs needs key= and on_change='rerun')"


def test_overview_shows_real_figures_in_chinese(demo_engine):
    from traceboard.data.frame import load_register_frame

    at = run_page("overview")
    assert at.title[0].value == "总览"
    metrics = {m.label: m.value for m in at.metric}
    frame = load_register_frame(demo_engine)
    active = (frame.enterprises["closed"] > 0).sum()  # the demo has closures; the page counts the active ones
    assert 0 < int(metrics["在营企业"].replace(",", "")) <= active
    assert metrics["追溯覆盖率"].endswith("%")


def test_language_switch_to_english(demo_engine):
    at = run_page("overview", lang="en")
    assert at.title[0].value == "Overview"
    assert "Enterprises in operation" in {m.label for m in at.metric}


def test_empty_database_says_what_to_do(db_url):
    at = run_page("overview")
    assert not at.exception
    assert "traceboard demo" in at.info[0].value


def test_an_unreachable_database_is_one_clear_line(monkeypatch):
    from traceboard.cli.common import reset_engines

    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    reset_engines()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error[0].value.startswith(
        "无法连接数据库：cannot open database postgresql+psycopg://nobody@127.0.0.1:1/none"
    )


def test_the_app_tunes_malloc_as_it_runs(monkeypatch):
    """The dashboard's script tunes glibc's malloc (traceboard.memory) before its page runs, even
    when the page then stops at an unreachable database."""
    import traceboard.memory
    from traceboard.cli.common import reset_engines

    calls = []
    monkeypatch.setattr(traceboard.memory, "tune_malloc", lambda: calls.append("tuned"))
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    reset_engines()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert calls == ["tuned"]


def test_each_run_hands_back_what_arrow_kept(demo_engine, arrow_releases):
    """Each rerun runs in a thread of its own: what Arrow's allocator kept of it is given back."""
    at = run_page("adoption")
    assert not at.exception, at.exception
    # as each of its two runs starts and ends (the first page, then 追溯覆盖率)
    assert len(arrow_releases) == 4
