"""The bench's page steps run end to end on a small register (no timings are asserted)."""

import pytest
from sqlalchemy import func, select

from traceboard.bench.harness import BenchContext, run_bench
from traceboard.bench.pages import measure_pages, measure_sessions
from traceboard.data import models as m

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _demo_and_load():  # three results: demo, load, load_database
    from traceboard.bench.steps import step_demo, step_load

    return [("demo", step_demo), ("load", step_load)]


def test_pages_are_measured_as_generated_after_a_draw_and_after_results():
    seen = {}

    def pages(ctx: BenchContext):
        results = measure_pages(ctx, ["overview", "sampling"])
        with ctx.engine.connect() as conn:
            drawn = select(func.count()).select_from(m.Draw).where(m.Draw.status == "drawn")
            seen["drawn"] = conn.scalar(drawn)
            seen["pairs"] = conn.scalar(select(func.count()).select_from(m.AssignmentInspector))
            seen["assignments"] = conn.scalar(select(func.count()).select_from(m.Assignment))
            seen["results"] = conn.scalar(
                select(func.count()).select_from(m.Inspection).where(m.Inspection.assignment_id.is_not(None))
            )
        return results

    report = run_bench(400, "sqlite", [*_demo_and_load(), ("pages", pages)])
    names = [r["name"] for r in report["results"][3:]]
    sections = ["draw", "assignments", "results", "publication", "risk"]

    def sampling(suffix):
        out = [f"page_first:sampling{suffix}", f"page:sampling{suffix}"]
        for section in sections:
            out += [f"page_first:sampling/{section}{suffix}", f"page:sampling/{section}{suffix}"]
        return out

    assert names == [
        "page_first:overview",
        "page:overview",
        *sampling(""),
        *sampling("@drawn"),
        "page_after_write:sampling/results",
        "page_after_write:sampling/assignments",
        "page_after_write:sampling/risk",
        "page_first:overview@results",
        "page:overview@results",
        *sampling("@results"),
    ]
    assert all(r["seconds"] > 0 for r in report["results"])
    # the states are real: one draw revealed, every drawn check with its pair, four results saved
    assert seen["drawn"] == 1
    assert seen["assignments"] > 0 and seen["pairs"] == 2 * seen["assignments"]
    assert seen["results"] == 4


def test_many_sessions_at_once_report_p95_and_memory_per_session():
    def sessions(ctx: BenchContext):
        return measure_sessions(ctx, 3, walk=("overview", "sampling"), think=(0.0, 0.01))

    report = run_bench(300, "sqlite", [*_demo_and_load(), ("sessions", sessions)])
    p95, memory = report["results"][3:]
    assert p95["name"] == "sessions_p95" and p95["seconds"] > 0
    assert memory["name"] == "session_mb" and memory["mb"] >= 0 and "seconds" not in memory


def test_the_pages_step_refuses_a_page_name_it_does_not_know(monkeypatch):
    from traceboard.bench.steps import PAGES_ENV, step_pages

    monkeypatch.setenv(PAGES_ENV, "assessment, no_such_page")
    with pytest.raises(ValueError, match="unknown page\\(s\\) no_such_page"):
        step_pages(None)


def test_the_sessions_share_one_script_cache_for_the_app_and_its_pages():
    """Streamlit's test runner makes a script cache per run for the app script: shared here, as a
    server's one, so a rerun does not compile ``app.py`` again."""
    from streamlit.testing.v1 import app_test, local_script_runner

    from traceboard.bench.pages import shared_runtime

    with shared_runtime():
        assert local_script_runner.ScriptCache() is app_test.ScriptCache()
