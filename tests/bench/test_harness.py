"""The benchmark harness's own logic (no timings are asserted: benchmarks are not tests)."""

import os
from pathlib import Path

import pytest

from traceboard.bench.harness import BenchContext, Result, format_table, run_bench, time_median


def test_time_median_repeats_quick_steps_and_returns_the_last_value():
    calls = []
    seconds, value = time_median(lambda: calls.append(1) or len(calls))
    assert len(calls) == 5 and value == 5 and seconds >= 0


def test_results_carry_the_ratio_to_their_baseline():
    assert Result("adoption_table", 0.5, 2.0).as_json() == {
        "name": "adoption_table",
        "seconds": 0.5,
        "baseline_seconds": 2.0,
        "ratio": 0.25,
    }
    assert Result("load", 1.23456).as_json() == {"name": "load", "seconds": 1.2346}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_run_bench_on_a_fresh_database_skips_steps_that_do_not_apply(database):
    def count_units(ctx: BenchContext) -> Result:
        with ctx.engine.connect() as conn:
            ctx.state["units"] = conn.exec_driver_sql("SELECT count(*) FROM unit").scalar()
        return Result("count", 0.1)

    report = run_bench(
        50,
        database,
        [
            ("count", count_units),
            ("never", lambda ctx: None),
            ("pages", lambda ctx: [Result("page:a", 0.2), Result("page:b", 0.3)]),
        ],
        admin_url=os.environ.get("TRACEBOARD_TEST_POSTGRES_URL"),
    )
    assert report["n"] == 50 and report["database"] == database
    assert [r["name"] for r in report["results"]] == ["count", "page:a", "page:b"]
    assert report["peak_rss_mb"] > 0


def test_format_table_puts_runs_side_by_side():
    reports = [
        {"n": 10, "database": "sqlite", "results": [{"name": "load", "seconds": 1.0}], "peak_rss_mb": 100},
        {
            "n": 20,
            "database": "postgresql",
            "peak_rss_mb": 200.4,
            "results": [
                {"name": "load", "seconds": 2.0},
                {"name": "adoption_table", "seconds": 0.5, "baseline_seconds": 1.0, "ratio": 0.5},
            ],
        },
    ]
    assert format_table(reports).splitlines() == [
        "| step | 10 · sqlite | 20 · postgresql |",
        "|---|---:|---:|",
        "| load | 1.000 s | 2.000 s |",
        "| adoption_table | — | 0.500 s (DuckDB 1.000 s, ×0.5) |",
        "| peak RSS | 100 MB | 200 MB |",
    ]


def test_the_real_steps_run_end_to_end_on_a_small_register():
    from traceboard.bench.steps import STEPS

    # pages and sessions: AppTest, covered in test_pages_bench.py
    steps = [(name, step) for name, step in STEPS if name not in ("pages", "sessions")]
    report = run_bench(600, "sqlite", steps)
    names = [r["name"] for r in report["results"]]
    # every spec's draw was verified by the stdlib verifier inside its step (a mismatch raises)
    assert names == [
        "demo",
        "load",
        "load_database",
        "refresh",
        "adoption_table",
        "adoption_active",
        "draw",
        "verify",
        "draw_v1",
        "verify_v1",
        "draw_v2",
        "verify_v2",
        "assess",
        "import",
        "platform_ingest",
    ]
    adoption = report["results"][names.index("adoption_table")]
    assert adoption["baseline_seconds"] > 0 and adoption["ratio"] > 0
    demo = report["results"][0]  # generated in a child process, which reports its own peak
    assert demo["process"] == "child" and demo["peak_rss_mb"] > 50
    first_start = report["results"][names.index("load_database")]  # a child too: a first start
    assert first_start["process"] == "child" and first_start["peak_rss_mb"] > 50
    assert "process" not in adoption
    if adoption.get("peak_rss_mb") is not None:  # Linux: the table's peak and DuckDB's apart
        assert adoption["baseline_peak_rss_mb"] > 0
    assert report["results"][-1]["rows"] == 600  # a day's feed: one row per enterprise, all new


def test_each_step_reports_its_own_peak_memory():
    def allocate(ctx: BenchContext) -> Result:
        block = bytearray(300 * 2**20)  # 300 MiB, touched
        block[::4096] = b"x" * len(block[::4096])
        del block
        return Result("allocate", 0.1)

    report = run_bench(50, "sqlite", [("allocate", allocate), ("idle", lambda ctx: Result("idle", 0.1))])
    allocate_peak, idle_peak = (r.get("peak_rss_mb") for r in report["results"])
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("this platform cannot reset a process's peak memory")
    assert allocate_peak - idle_peak > 250  # the reset between steps took the 300 MiB out of the second
    assert report["peak_rss_mb"] >= allocate_peak


def test_throughput_steps_report_rows_per_second():
    assert Result("platform_ingest", 4.0, rows=600_000).as_json() == {
        "name": "platform_ingest",
        "seconds": 4.0,
        "rows": 600_000,
        "rows_per_second": 150_000,
    }
    report = {
        "n": 10,
        "database": "sqlite",
        "peak_rss_mb": 1,
        "results": [Result("x", 2.0, rows=10).as_json()],
    }
    assert "| x | 2.000 s (10 rows, 5/s) |" in format_table([report])


def test_a_memory_result_reports_megabytes_not_seconds():
    assert Result("session_mb", 12.34, unit="MB").as_json() == {"name": "session_mb", "mb": 12.3}
    memory = {"name": "session_mb", "mb": 12.3}
    report = {"n": 10, "database": "sqlite", "peak_rss_mb": 1, "results": [memory]}
    assert "| session_mb | 12.3 MB |" in format_table([report])


def test_time_median_does_not_hold_one_run_s_value_while_the_next_is_made():
    import weakref

    class Frame:
        pass

    alive = []

    def make():
        alive.append(sum(ref() is not None for ref in refs))
        frame = Frame()
        refs.append(weakref.ref(frame))
        return frame

    refs: list = []
    _, last = time_median(make)
    assert len(refs) > 1 and alive == [0] * len(refs)  # no earlier value alive when each run began
    assert refs[-1]() is last


def test_the_bench_feed_is_the_same_bytes_whatever_its_chunks(monkeypatch):
    import datetime as dt

    from traceboard.bench import steps

    codes = [f"91430381{i:010d}" for i in range(7)]
    whole = steps.feed_lines(codes, dt.date(2026, 11, 1))
    monkeypatch.setattr(steps, "FEED_CHUNK", 3)
    assert steps.feed_lines(codes, dt.date(2026, 11, 1)) == whole
    lines = whole.decode().splitlines()
    assert len(lines) == 7 and all(line.startswith('{"platform": ') for line in lines)
    assert steps.feed_lines([], dt.date(2026, 11, 1)) == b"\n"
