"""The benchmark harness: one register size, one database, every step timed in one process.

Each step is timed as the median of several repetitions when one run takes
under a second; steps with a baseline (DuckDB computing the same table on the
same in-memory data) report ``baseline_seconds`` and ``ratio``. Peak memory is
the process's maximum resident set size. Benchmarks are measurements, not
tests: nothing here asserts a time.

Before each step the harness collects garbage and hands freed heap back to the system
(:func:`release_memory`), then notes the resident memory the step starts from (``rest_mb``): a
step's peak (``step_peaks_mb``) is that rest plus what the step itself holds at its highest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from traceboard.bench import goals
from traceboard.bench.goals import (
    PEAK_GOAL_MB,
    PeakSampler,
    format_memory,
    format_profile,
    goal_for,
    memory_profile,
    peak_goal_missed,
    profile_call,
)
from traceboard.data.db import make_engine
from traceboard.data.frame_snapshot import snapshot_path
from traceboard.data.migrate import init_database
from traceboard.memory import trim_heap

REPEAT_UNDER_SECONDS = 1.0
MAX_REPEATS = 5
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Result:
    name: str
    seconds: float
    baseline_seconds: float | None = None
    peak_rss_mb: float | None = None  # the step's own peak, where the platform can tell
    rows: int | None = None  # rows a throughput step handled (reported with rows per second)
    baseline_peak_rss_mb: float | None = None  # the baseline's own peak, where it is measured apart
    unit: str = "s"  # "MB" for a step that measures memory: ``seconds`` then holds megabytes
    cpu_seconds: float | None = None  # the process's CPU time in the same span, where measured
    process: str | None = None  # "child": the step ran in a child process, its peak is the child's
    goal: str | None = None  # the goal the figure is held to (traceboard.bench.goals), as worded
    met: bool | None = None
    profile: dict[str, Any] | None = None  # where the time went, for a figure that missed its goal

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.unit == "MB":
            out["mb"] = round(self.seconds, 1)
        else:
            out["seconds"] = round(self.seconds, 4)
        if self.cpu_seconds is not None:
            out["cpu_seconds"] = round(self.cpu_seconds, 4)
        if self.rows is not None:
            out["rows"] = self.rows
            out["rows_per_second"] = round(self.rows / self.seconds) if self.seconds else None
        if self.baseline_seconds is not None:
            out["baseline_seconds"] = round(self.baseline_seconds, 4)
            out["ratio"] = round(self.seconds / self.baseline_seconds, 3) if self.baseline_seconds else None
        if self.peak_rss_mb is not None:
            out["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        if self.baseline_peak_rss_mb is not None:
            out["baseline_peak_rss_mb"] = round(self.baseline_peak_rss_mb, 1)
        if self.process is not None:
            out["process"] = self.process
        if self.goal is not None:
            out["goal"], out["met"] = self.goal, self.met
        if self.profile is not None:
            out["profile"] = self.profile
        return out


@dataclass
class BenchContext:
    """What the steps share: the engine, the size, scratch space and earlier steps' outputs."""

    engine: Engine
    n: int
    workdir: Path
    admin_url: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda _msg: None  # a long step's interim figures
    database: str = "sqlite"
    profile_misses: bool = True  # profile the work of a figure that misses its goal (goals.py)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # by result name
    # the work of each figure checked in the running step: what a miss of the memory goal redoes
    checked: list[tuple[Callable[[], Any], Callable[[Any], Any]]] = field(default_factory=list)

    def check(
        self,
        name: str,
        figures: dict[str, float],
        work: Callable[[Any], Any],
        prepare: Callable[[], Any] = lambda: None,
    ) -> None:
        """If the figure ``name`` (``figures``: its measures, as in the report) misses its goal,
        do its ``work`` once more under the profiler and keep the profile for the report.
        ``prepare`` sets the scene untimed; its value is what ``work`` is given. The work is
        also what :func:`run_bench` takes apart under ``tracemalloc`` if the step's peak memory
        is over the goal (when the step checked this one figure only)."""
        self.checked.append((prepare, work))
        goal = goal_for(name, self.n, self.database)
        if not self.profile_misses or goal is None or goal.met(figures) is not False:
            return
        self.progress(f"{name} misses {goal.text()}: profiling it once more")
        scene = prepare()
        self.profiles[name] = profile_call(lambda: work(scene))

    def timed(self, name: str, fn: Callable[[], Any]) -> tuple[float, Any]:
        """:func:`time_median` of ``fn``, profiled once more if the median misses the goal of ``name``."""
        seconds, value = time_median(fn)
        self.check(name, {"seconds": seconds}, lambda _scene: fn())
        return seconds, value


def time_median(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median seconds of ``fn`` (repeated while one run is under a second) and its last value."""
    started = time.perf_counter()
    value = fn()
    times = [time.perf_counter() - started]
    while times[0] < REPEAT_UNDER_SECONDS and len(times) < MAX_REPEATS:
        value = None  # not held while the next run makes its own (two frames at once: twice the peak)
        started = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def resident_mb() -> float | None:
    """This process's resident memory now, in MB (Linux: ``/proc/self/statm``); None elsewhere."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        return None


def release_memory(trim: bool = True) -> bool:
    """Collect garbage, then (with ``trim``, where the C library is glibc) hand the heap that is
    free back to the system with ``malloc_trim(0)``: glibc keeps freed memory for reuse, so what
    a process rests at depends on what it freed before, not only on what it holds. Returns
    whether the heap was trimmed."""
    gc.collect()
    return trim and trim_heap()


class StepPeaks:
    """Peak resident memory per step, where Linux lets a process reset its high-water mark.

    Writing 5 to ``/proc/self/clear_refs`` resets the peak (VmHWM) that
    ``/proc/self/status`` reports, so each step's own peak can be read after it;
    the process's peak is then the largest of them. Elsewhere steps get no figure
    and the process peak is ``ru_maxrss``.
    """

    def __init__(self) -> None:
        self.process_peak = peak_rss_mb()
        self.enabled = self._reset()

    @staticmethod
    def _reset() -> bool:
        return reset_peak()

    def start(self) -> None:
        if self.enabled:
            self._reset()

    def end(self) -> float | None:
        if not self.enabled:
            self.process_peak = peak_rss_mb()
            return None
        peak = peak_since_reset_mb()
        if peak is not None:
            self.process_peak = max(self.process_peak, peak)
        return peak


def reset_peak() -> bool:
    """Reset this process's peak resident memory (Linux: ``/proc/self/clear_refs``); False elsewhere."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_since_reset_mb() -> float | None:
    """The peak resident memory since the last :func:`reset_peak` (Linux's VmHWM), in MB; None elsewhere."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


@contextlib.contextmanager
def scratch_database(kind: str, workdir: Path, admin_url: str | None = None) -> Iterator[Engine]:
    """A fresh, initialised database: an SQLite file in ``workdir`` or a new PostgreSQL database."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{workdir / 'bench.db'}")
        try:
            init_database(engine)
            yield engine
        finally:
            engine.dispose()
            snapshot_path(engine).unlink(missing_ok=True)  # the frame's snapshot goes with it
        return
    admin = make_url(admin_url or DEFAULT_PG)
    name = f"traceboard_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.set(database=name).render_as_string(hide_password=False))
    try:
        init_database(engine)
        yield engine
    finally:
        engine.dispose()
        snapshot_path(engine).unlink(missing_ok=True)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


# A step gives one result, several (one per page), or None when it does not apply at this size.
Step = Callable[[BenchContext], "Result | list[Result] | None"]


def _baseline_text(result: Result) -> str:
    return "" if result.baseline_seconds is None else f" (baseline {result.baseline_seconds:.3f} s)"


def run_bench(
    n: int,
    database: str,
    steps: list[tuple[str, Step]],
    progress: Callable[[str], None] | None = None,
    admin_url: str | None = None,
    profile_misses: bool = True,
    trim: bool = True,
) -> dict[str, Any]:
    """Run ``steps`` in order against a fresh database of ``database`` kind; return the report.

    Each figure is held to its goal (``goal``, ``met``); one that misses carries the profile of
    its work done once more (``profile``), unless ``profile_misses`` is off. A step over the
    memory goal gets where its memory peaked (``step_memory``: the sampled stack, and what held
    the memory when its one checked figure's work is done once more under ``tracemalloc``).
    Before each step garbage is collected and, with ``trim``, the free heap trimmed; ``rest_mb``
    is the resident memory each step starts from."""
    report = progress or (lambda _msg: None)
    results: list[Result] = []
    step_peaks: dict[str, float] = {}  # each step's own peak, where the platform tells
    rest: dict[str, float] = {}  # the resident memory each step starts from
    step_memory: dict[str, dict[str, Any]] = {}  # where a step over the memory goal peaked, and what held it
    with (
        tempfile.TemporaryDirectory(prefix="traceboard-bench-") as tmp,
        scratch_database(database, Path(tmp), admin_url) as engine,
    ):
        ctx = BenchContext(
            engine, n, Path(tmp), admin_url, progress=report, database=database, profile_misses=profile_misses
        )
        peaks = StepPeaks()
        for name, step in steps:
            report(f"{name} …")
            release_memory(trim)
            resting = resident_mb()
            if resting is not None:
                rest[name] = round(resting, 1)
            ctx.checked = []
            peaks.start()
            started = time.perf_counter()
            with PeakSampler() as sampler:
                result = step(ctx)
            took = time.perf_counter() - started
            peak = peaks.end()
            if peak_goal_missed(n, peak):
                memory = dict(sampler.found or {})
                if profile_misses:
                    memory |= _memory_miss(ctx, name, report, took)
                if memory:
                    step_memory[name] = memory
            ctx.checked = []  # not kept: a work may hold what its step made (a manifest, a feed)
            if result is None:
                report(f"{name}: skipped at this size")
                continue
            if peak is not None:  # the demo's: this process's while its child generated the city
                step_peaks[name] = round(peak, 1)
            for one in result if isinstance(result, list) else [result]:
                one.peak_rss_mb = peak if one.peak_rss_mb is None else one.peak_rss_mb
                _hold_to_goal(one, n, database, ctx.profiles)
                results.append(one)
                memory = "" if peak is None else f", peak {peak:,.0f} MB"
                memory += "" if peak is None or resting is None else f" (from {resting:,.0f} MB at rest)"
                value = f"{one.seconds:.1f} MB" if one.unit == "MB" else f"{one.seconds:.3f} s"
                value += "" if one.cpu_seconds is None else f" (CPU {one.cpu_seconds:.3f} s)"
                verdict = "" if one.goal is None else f" [{one.goal}: {'met' if one.met else 'MISSED'}]"
                report(f"{one.name}: {value}" + _baseline_text(one) + memory + verdict)
    return {
        "n": n,
        "database": database,
        "date": dt.date.today().isoformat(),
        "results": [r.as_json() for r in results],
        "peak_rss_mb": round(peaks.process_peak, 1),
        "step_peaks_mb": step_peaks,
        "rest_mb": rest,
        "step_memory": step_memory,
    }


def _memory_miss(ctx: BenchContext, name: str, report: Callable[[str], None], took: float) -> dict[str, Any]:
    """What held the memory of a step over the goal: its one checked figure's work done once more
    under ``tracemalloc`` (goals.memory_profile). A step that checked no figure, or several (the
    pages), has only its sampled stack; so has a step that took longer than
    ``MEMORY_PROFILE_MAX_SECONDS`` (``not_redone`` says so)."""
    if len(ctx.checked) != 1:
        return {}
    if took > goals.MEMORY_PROFILE_MAX_SECONDS:
        report(f"{name} is over the memory goal; its {took:.0f} s are too long to redo under tracemalloc")
        return {"not_redone": round(took, 1)}
    prepare, work = ctx.checked[0]
    report(f"{name} is over the memory goal: its work once more under tracemalloc")
    held = memory_profile(functools.partial(work, prepare()))
    return {} if held is None else {"held": held}


def _hold_to_goal(result: Result, n: int, database: str, profiles: dict[str, dict[str, Any]]) -> None:
    """Set the figure's goal and whether it is met; attach the profile taken of a miss."""
    goal = goal_for(result.name, n, database)
    if goal is not None:
        result.goal, result.met = goal.text(), goal.met(result.as_json())
    result.profile = profiles.pop(result.name, None)


def format_table(reports: list[dict[str, Any]]) -> str:
    """Reports side by side: a row per step, a column per (size, database); ratios to the baseline.
    A figure that misses its goal is marked ✗ (:func:`format_misses` says which and why)."""
    columns = [f"{r['n']:,} · {r['database']}" for r in reports]
    names = list(dict.fromkeys(res["name"] for r in reports for res in r["results"]))
    lines = ["| step | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name in names:
        cells = []
        for report in reports:
            found = next((res for res in report["results"] if res["name"] == name), None)
            if found is None:
                cells.append("—")
                continue
            if "mb" in found:
                cell = f"{found['mb']:,.1f} MB"
            elif "ratio" in found:
                cell = (
                    f"{found['seconds']:.3f} s (DuckDB {found['baseline_seconds']:.3f} s, ×{found['ratio']})"
                )
            elif "rows_per_second" in found:
                cell = f"{found['seconds']:.3f} s ({found['rows']:,} rows, {found['rows_per_second']:,}/s)"
            else:
                cell = f"{found['seconds']:.3f} s"
            cells.append(cell + (" ✗" if _missed(found, report) else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    peaks = [f"{r['peak_rss_mb']:,.0f} MB" + (" ✗" if _peak_missed(r) else "") for r in reports]
    lines.append("| peak RSS | " + " | ".join(peaks) + " |")
    return "\n".join(lines)


def _missed(result: dict[str, Any], report: dict[str, Any]) -> bool:
    """Whether a reported figure misses the goal it is held to today (``goals.goal_for``)."""
    goal = goal_for(result["name"], report["n"], report["database"])
    return goal is not None and goal.met(result) is False


def _peak_missed(report: dict[str, Any]) -> bool:
    return peak_goal_missed(report["n"], report["peak_rss_mb"])


def format_misses(reports: list[dict[str, Any]]) -> str:
    """Every figure that missed its goal, with the profile of its work done once more; every step
    whose own peak memory is over the whole bench's goal. Empty when every goal is met."""
    lines: list[str] = []
    for report in reports:
        where = f"{report['n']:,} · {report['database']}"
        for res in report["results"]:
            if _missed(res, report):
                value = f"{res['mb']:,.1f} MB" if "mb" in res else f"{res['seconds']:.3f} s"
                if "ratio" in res:
                    value += f" (×{res['ratio']} DuckDB)"
                goal = goal_for(res["name"], report["n"], report["database"])
                lines.append(f"- {where} · {res['name']}: {value}, goal {goal.text()}")
                if res.get("profile"):
                    lines += format_profile(res["profile"])
        for step, peak in report.get("step_peaks_mb", {}).items():
            if peak_goal_missed(report["n"], peak):
                resting = report.get("rest_mb", {}).get(step)
                start = "" if resting is None else f" (from {resting:,.0f} MB at rest before it)"
                lines.append(
                    f"- {where} · step {step}: peak memory {peak:,.0f} MB{start}, "
                    f"goal ≤ {PEAK_GOAL_MB:,.0f} MB for the whole bench after the demo"
                )
                memory = report.get("step_memory", {}).get(step, {})
                if "at" in memory:
                    lines.append(
                        f"    sampled peak {memory['peak_mb']:,.0f} MB, the code then (innermost first):"
                    )
                    lines += [f"      {frame}" for frame in memory["at"]]
                if "held" in memory:
                    lines += format_memory(memory["held"])
                if "not_redone" in memory:
                    lines.append(
                        f"    not redone under tracemalloc: the step took {memory['not_redone']:,.0f} s "
                        f"(over {goals.MEMORY_PROFILE_MAX_SECONDS:.0f} s), several times that under it"
                    )
    return "\n".join(["Goals missed (README, Performance):", *lines]) if lines else ""
