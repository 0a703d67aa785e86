"""The steps ``traceboard bench`` measures, in order (see traceboard.bench.harness for the harness).

Each step calls the same functions the commands and pages call; the DuckDB
baseline computes the adoption table from the same in-memory arrays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

from traceboard.accounts.authz import SYSTEM
from traceboard.bench.baselines import TREND_SQL, duckdb_adoption_trend, duckdb_connection, trend_days
from traceboard.bench.harness import (
    MAX_REPEATS,
    REPEAT_UNDER_SECONDS,
    BenchContext,
    Result,
    scratch_database,
    time_median,
)
from traceboard.data.adoption_targets import load_targets
from traceboard.data.frame import load_register_frame, refresh_register_frame, to_day
from traceboard.demo import DEMO_AS_OF, generate_demo
from traceboard.sampling.spec import SPEC, SPEC_V1, SPEC_V2

IMPORT_MAX_ROWS = 100_000
DRAW_SEED = "湘乡 2026 基准测试 🎲 31415926"


def step_demo(ctx: BenchContext) -> Result:
    """The demo city, generated in a child process: its peak (reported as the demo's own) and the
    memory it leaves behind stay out of the steps after it, which measure what a serving process
    holds (a dashboard process never generates a city)."""
    started = time.perf_counter()
    url = ctx.engine.url.render_as_string(hide_password=False)
    child = "from traceboard.bench.steps import demo_child; demo_child()"
    done = subprocess.run(
        [sys.executable, "-c", child, url, str(ctx.n)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the demo's child process failed: {done.stderr.strip()[-2000:]}")
    peak = json.loads(done.stdout.strip().splitlines()[-1])["peak_rss_mb"]
    return Result("demo", seconds, peak_rss_mb=peak, process="child")


def demo_child() -> None:
    """``step_demo``'s child: the demo city into the database at ``argv[1]``, ``argv[2]`` enterprises;
    prints its own peak resident memory as JSON."""
    from traceboard.bench.verify_child import own_peak_mb
    from traceboard.data.db import make_engine

    engine = make_engine(sys.argv[1])
    try:
        generate_demo(engine, enterprises=int(sys.argv[2]))
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps({"peak_rss_mb": round(own_peak_mb(), 1)}) + "\n")


def step_load(ctx: BenchContext) -> list[Result]:
    """What a new process pays for its frame: ``load_database`` reading the whole register from the
    database (a first start: no snapshot, or one that cannot be used), in a child process that then
    writes the frame's snapshot, and ``load`` here with that snapshot present (read, then refreshed
    from the audit log: docs/frame.md). The child keeps the first start's peak (its own, reported
    apart) out of this process, which then holds one frame, as a serving process does."""
    from traceboard.data.frame_snapshot import open_register_frame

    url = ctx.engine.url.render_as_string(hide_password=False)
    child = "from traceboard.bench.steps import load_child; load_child()"
    done = subprocess.run([sys.executable, "-c", child, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the first start's child process failed: {done.stderr.strip()[-2000:]}")
    first = json.loads(done.stdout.strip().splitlines()[-1])
    # a miss is profiled here, before this process holds its frame (its frame is not kept)
    ctx.check("load_database", {"seconds": first["seconds"]}, lambda _scene: _load_nothing_kept(ctx))
    seconds, frame = ctx.timed("load", lambda: open_register_frame(ctx.engine))
    ctx.state["frame"] = frame
    return [
        Result("load", seconds),
        Result("load_database", first["seconds"], peak_rss_mb=first["peak_rss_mb"], process="child"),
    ]


def _load_nothing_kept(ctx: BenchContext) -> None:
    load_register_frame(ctx.engine)


def load_child() -> None:
    """``step_load``'s child: the whole register read from the database at ``argv[1]`` (the median
    time), then written as the frame's snapshot; prints the seconds and its own peak as JSON."""
    from traceboard.bench.verify_child import own_peak_mb
    from traceboard.data.db import make_engine
    from traceboard.data.frame_snapshot import save_frame_snapshot

    engine = make_engine(sys.argv[1])
    try:
        seconds, frame = time_median(lambda: load_register_frame(engine))
        save_frame_snapshot(engine, frame)
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps({"seconds": seconds, "peak_rss_mb": round(own_peak_mb(), 1)}) + "\n")


def step_refresh(ctx: BenchContext) -> Result:
    """The next frame after one recorded check result (a form entry): the frame refreshed from the
    loaded one, which reads the audit rows since its version and nothing of the register."""
    from traceboard.services.record import data_version
    from traceboard.services.record_entry import save_entry

    frame = ctx.state["frame"]
    times = []
    for i in range(3):  # one new check result before each refresh
        row = frame.enterprises.iloc[i]
        cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查结果": "未发现问题"}
        outcome = save_entry(ctx.engine, SYSTEM, "inspections", cells | {"检查日期": DEMO_AS_OF.isoformat()})
        if outcome.summary is None or not outcome.summary.changed:
            raise RuntimeError(
                f"the benchmark's check result was not recorded: {outcome.validation.lines()[:3]}"
            )
        started = time.perf_counter()
        frame = refresh_register_frame(ctx.engine, frame)
        times.append(time.perf_counter() - started)
        if frame.stamp != data_version(ctx.engine):
            raise RuntimeError("the refreshed frame is not at the record's version")
    ctx.state["frame"] = frame
    return Result("refresh", statistics.median(times))


def step_adoption_table(ctx: BenchContext) -> Result:
    """Township × sector × year (year ends from 2016, and the latest date) against DuckDB's faster
    query. DuckDB, the comparison and not the product, runs in a child process of its own on the
    same frame (the snapshot the load step wrote, brought to the same version): its copy of the
    arrays and its queries' memory are its own peak (``baseline_peak_rss_mb``), and the step's peak
    is the table's alone."""
    from traceboard.metrics.adoption_report import trend_table

    frame, day = ctx.state["frame"], to_day(DEMO_AS_OF)
    targets = load_targets()
    table = lambda: trend_table(frame, ["township", "sector"], day, targets)  # noqa: E731
    seconds, _ = time_median(table)
    url = ctx.engine.url.render_as_string(hide_password=False)
    child = "from traceboard.bench.steps import adoption_baseline_child; adoption_baseline_child()"
    done = subprocess.run(
        [sys.executable, "-c", child, url, frame.stamp, str(day)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the DuckDB baseline's child process failed: {done.stderr.strip()[-2000:]}")
    baseline = json.loads(done.stdout.strip().splitlines()[-1])
    ctx.check("adoption_table", {"ratio": seconds / baseline["seconds"]}, lambda _scene: table())
    return Result(
        "adoption_table", seconds, baseline["seconds"], baseline_peak_rss_mb=baseline["peak_rss_mb"]
    )


def adoption_baseline_child() -> None:
    """``step_adoption_table``'s child: the frame of the database at ``argv[1]`` opened from its
    snapshot (it must be at the parent's stamp, ``argv[2]``: the same data), copied into DuckDB,
    and DuckDB's two formulations of the table for the day ``argv[3]`` (ASOF joins; +1/−1 changes
    summed cumulatively) timed, each the median of its runs; prints the faster one's seconds and
    this process's own peak resident memory as JSON."""
    from traceboard.bench.verify_child import own_peak_mb
    from traceboard.data.db import make_engine
    from traceboard.data.frame_snapshot import open_register_frame

    engine = make_engine(sys.argv[1])
    try:
        frame = open_register_frame(engine)
    finally:
        engine.dispose()
    if frame.stamp != sys.argv[2]:
        raise RuntimeError(f"the baseline's frame is at {frame.stamp}, the table's at {sys.argv[2]}")
    con = duckdb_connection(frame, trend_days(int(sys.argv[3])))
    seconds = min(time_median(lambda sql=sql: duckdb_adoption_trend(con, sql))[0] for sql in TREND_SQL)
    con.close()
    sys.stdout.write(json.dumps({"seconds": seconds, "peak_rss_mb": round(own_peak_mb(), 1)}) + "\n")


def _draw(ctx: BenchContext, spec: str, name: str) -> float:
    """5 % of all active enterprises, stratified by sector, with inspector pairs; the manifest
    written to a file in the workdir, a line at a time, for its verification."""
    from traceboard.sampling import ceremony
    from traceboard.sampling.manifest import write_manifest
    from traceboard.services import sampling as draw_support

    scope = {
        "ratio": "0.05",
        "stratum_by": "sector",
        "sectors": (),
        "townships": (),
        "on": DEMO_AS_OF,
        "spec": spec,
    }
    seed_hash = hashlib.sha256(DRAW_SEED.encode()).hexdigest()

    def draw():
        frozen, _ = draw_support.freeze(ctx.engine, scope, ctx.state["frame"])
        return ceremony.reveal(frozen, DRAW_SEED, seed_hash, dt.datetime.now(dt.UTC))[0]

    started = time.perf_counter()
    manifest = draw()  # the frozen list and the draw's rows are gone once it returns
    seconds = time.perf_counter() - started
    path = ctx.workdir / f"manifest-{name}.json"
    with path.open("wb") as out:
        write_manifest(manifest, out)
    del manifest
    ctx.state[f"manifest {spec}"] = path
    ctx.check(name, {"seconds": seconds}, lambda _scene: draw())
    return seconds


def _verify(ctx: BenchContext, spec: str, name: str) -> Result:
    """The public's verification as a citizen runs it: the stand-alone verifier (stdlib only) reading
    the manifest's file in a process of its own, without the frame (``traceboard.bench.verify_child``:
    the median of its own read, parse and verify, and its own peak)."""
    from traceboard.sampling import verify_manifest

    path = ctx.state.pop(f"manifest {spec}")
    command = [sys.executable, "-m", "traceboard.bench.verify_child", str(path)]
    done = subprocess.run(
        [*command, str(REPEAT_UNDER_SECONDS), str(MAX_REPEATS)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the verification's child process failed: {done.stderr.strip()[-2000:]}")
    child = json.loads(done.stdout.strip().splitlines()[-1])
    if child["problem"]:
        raise RuntimeError(f"the benchmark's own manifest does not verify: {child['problem']}")
    # a miss is profiled here, from the same file (this process then holds the verification's
    # memory beside its frame, only when the figure missed its goal)
    ctx.check(name, {"seconds": child["seconds"]}, lambda _scene: verify_manifest.verify_file(path))
    path.unlink()
    return Result(name, child["seconds"], peak_rss_mb=child["peak_rss_mb"], process="child")


def step_draw(ctx: BenchContext) -> Result:
    """The default spec (v3): a partial shuffle of each published list; pools shuffled lazily."""
    return Result("draw", _draw(ctx, SPEC, "draw"))


def step_verify(ctx: BenchContext) -> Result:
    return _verify(ctx, SPEC, "verify")


def step_draw_v1(ctx: BenchContext) -> Result:
    """Spec v1: a key per candidate, and every drawn enterprise orders its whole pool by hash."""
    return Result("draw_v1", _draw(ctx, SPEC_V1, "draw_v1"))


def step_verify_v1(ctx: BenchContext) -> Result:
    return _verify(ctx, SPEC_V1, "verify_v1")


def step_draw_v2(ctx: BenchContext) -> Result:
    """Spec v2: a key per candidate; each pool shuffled lazily, a few hashes per pair."""
    return Result("draw_v2", _draw(ctx, SPEC_V2, "draw_v2"))


def step_verify_v2(ctx: BenchContext) -> Result:
    return _verify(ctx, SPEC_V2, "verify_v2")


def step_assess(ctx: BenchContext) -> Result:
    """One year's full assessment (2025) on the loaded frame."""
    from traceboard.services.assessment import prepare_assessment

    seconds, _ = ctx.timed(
        "assess", lambda: prepare_assessment(ctx.engine, 2025, DEMO_AS_OF, ctx.state["frame"])
    )
    return Result("assess", seconds)


def step_import(ctx: BenchContext) -> Result | None:
    """Export the register (≤ 100,000 rows) as .xlsx, then validate and import it into an empty database."""
    from traceboard.services.exports import export_table, to_file_bytes
    from traceboard.services.imports import check_upload, import_validated

    if ctx.n > IMPORT_MAX_ROWS:
        return None
    content = to_file_bytes(export_table(ctx.engine, SYSTEM, "enterprises"), "xlsx", "企业名录")
    target_dir = ctx.workdir / "import"
    target_dir.mkdir()
    with scratch_database(ctx.engine.dialect.name, target_dir, ctx.admin_url) as target:
        started = time.perf_counter()
        validation = check_upload(target, "enterprises", content, "register.xlsx", today=DEMO_AS_OF)
        if not validation.ok:
            raise RuntimeError(f"the exported register does not import: {validation.lines()[:3]}")
        import_validated(target, SYSTEM, validation, today=DEMO_AS_OF)
        seconds = time.perf_counter() - started
    return Result("import", seconds)


FEED_ROWS = 600_000
FEED_PLATFORMS = ("hunan-important", "xiangtan", "farm-quality")


def step_adoption_active(ctx: BenchContext) -> Result:
    """Township × sector at the demo's date with the active columns and the declared × active cells."""
    from traceboard.metrics.adoption_report import adoption_table

    frame, day = ctx.state["frame"], to_day(DEMO_AS_OF)
    targets = load_targets()
    seconds, _ = ctx.timed(
        "adoption_active", lambda: adoption_table(frame, ["township", "sector"], day, targets)
    )
    return Result("adoption_active", seconds)


FEED_CHUNK = 50_000  # lines made at a time: 600,000 lines as Python strings would be 200 MB beside the bytes


def feed_lines(uscc, day: dt.date, seed: int = 18) -> bytes:
    """A day's JSON Lines feed: one row per code (platforms in turn), records, batches and items.

    Written a chunk of lines at a time, so that the step's peak is the feed's bytes (what an
    upload holds), not those and every line as a string besides."""
    import io

    import numpy as np

    rng = np.random.default_rng(seed)
    records = rng.integers(1, 200, len(uscc)).tolist()
    transaction = (rng.random(len(uscc)) < 0.8).tolist()
    date = day.isoformat()
    out = io.BytesIO()
    for start in range(0, len(uscc), FEED_CHUNK):
        end = min(start + FEED_CHUNK, len(uscc))
        rows = zip(
            range(start, end), uscc[start:end], records[start:end], transaction[start:end], strict=True
        )
        lines = (
            f'{{"platform": "{FEED_PLATFORMS[i % 3]}", "uscc": "{code}", "date": "{date}", "records": {r}, '
            f'"batches": {1 + r // 10}, "items": {{"subject": true, "product": true, "batch": true, '
            f'"transaction": {"true" if t else "false"}, "time": true, "place": true}}}}\n'
            for i, code, r, t in rows
        )
        out.write("".join(lines).encode())
    return out.getvalue() if len(uscc) else b"\n"


def step_platform_ingest(ctx: BenchContext) -> Result:
    """A day's feed of up to 600,000 rows (one per enterprise) as JSON Lines, parsed, checked, merged."""
    from traceboard.services.platform_feeds import ingest_feed

    uscc = ctx.state["frame"].enterprises["uscc"].to_numpy()[:FEED_ROWS].tolist()
    rows = len(uscc)
    day = DEMO_AS_OF + dt.timedelta(days=1)  # a day the demo's feeds have not reached: every row new
    content = feed_lines(uscc, day)
    del uscc  # the feed's bytes are what an upload holds, not the codes it was written from
    started = time.perf_counter()
    summary = ingest_feed(ctx.engine, SYSTEM, content, "feed.jsonl", today=day)
    seconds = time.perf_counter() - started
    if summary.counts["added"] != rows:
        raise RuntimeError(f"the benchmark's feed did not go in whole: {summary.describe()}")
    return Result("platform_ingest", seconds, rows=rows)


STEPS = [
    ("demo", step_demo),
    ("load", step_load),
    ("refresh", step_refresh),
    ("adoption_table", step_adoption_table),
    ("adoption_active", step_adoption_active),
    ("draw", step_draw),
    ("verify", step_verify),
    ("draw_v1", step_draw_v1),
    ("verify_v1", step_verify_v1),
    ("draw_v2", step_draw_v2),
    ("verify_v2", step_verify_v2),
    ("assess", step_assess),
    ("import", step_import),
    ("platform_ingest", step_platform_ingest),
]


SESSIONS = 20  # sessions at once in the many-users step
SESSIONS_MAX_ENTERPRISES = 100_000


PAGES_ENV = "TRACEBOARD_BENCH_PAGES"  # e.g. "assessment,overview": only these pages (and 双随机抽查 @drawn)


def step_pages(ctx: BenchContext) -> list[Result]:
    """Each page the office sees, under AppTest: its first load and a rerun, as the demo city is,
    after a draw with pairs (the 双随机抽查 page) and after results were saved (every page);
    names in traceboard.bench.pages. With ``TRACEBOARD_BENCH_PAGES`` (names, comma-separated) only
    those pages, for measuring one page's work without the others'."""
    from traceboard.bench.pages import measure_pages, office_pages

    chosen = [name.strip() for name in os.environ.get(PAGES_ENV, "").split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(office_pages()))
    if unknown:
        raise ValueError(
            f"{PAGES_ENV}: unknown page(s) {', '.join(unknown)}; the pages are {', '.join(office_pages())}"
        )
    return measure_pages(ctx, chosen or None)


def step_sessions(ctx: BenchContext) -> list[Result] | None:
    """20 sessions at once in one app process: p95 of their interactions, memory per session."""
    from traceboard.bench.pages import measure_sessions

    if ctx.n > SESSIONS_MAX_ENTERPRISES:
        return None
    return measure_sessions(ctx, SESSIONS)


STEPS.append(("pages", step_pages))
STEPS.append(("sessions", step_sessions))
