"""What each benchmark figure is held to, and where the time of a figure that misses went.

The goals are the project's performance goals (README, *Performance*). A goal is stated for
registers up to a size: the page goal is < 0.5 s up to 100,000 enterprises and < 1.5 s up to a
million, and a register smaller than the size a goal names must meet it too. A figure of a larger
register than any goal names is reported without one.

When a figure misses its goal, the harness runs the same work once more under ``cProfile``
(every thread started meanwhile included: a page's script runs in a thread of its own) and keeps
the functions that took the time, so that ``make bench`` shows why beside what was missed.

Memory is the whole bench's goal, held step by step: before each step the harness collects
garbage, hands freed heap back to the system (glibc's ``malloc_trim``) and notes the resident
memory the step starts from (``rest_mb``), so that a step's peak reads as that rest plus its own.
For a step whose peak is over the goal, :class:`PeakSampler` (which watched the step run) says
where the code was at its highest sample, and :func:`memory_profile` says what held the memory:
the step's work done once more under ``tracemalloc`` (numpy's buffers are traced, Arrow's pool is
counted apart), its allocations still alive at the highest traced point listed by the line that
made them.
"""

from __future__ import annotations

import cProfile
import fnmatch
import os
import pstats
import sys
import sysconfig
import threading
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

MILLION = 1_000_000
HUNDRED_THOUSAND = 100_000
PEAK_GOAL_MB = 1024.0  # the whole bench after the demo (which runs in a child process): ≤ 1 GB
PROFILE_TOP = 15  # functions of the project kept per profile, by cumulative time
PROFILE_TOP_OWN = 6  # functions anywhere kept by their own time (where the cumulative time ends up)
MEMORY_TOP = 12  # allocation sites kept per memory profile, by size
# a step's work taking longer than this is not redone under tracemalloc, which makes it several
# times slower (spec 1's draw at a million: a minute alone); its sampled stack stands alone
MEMORY_PROFILE_MAX_SECONDS = 20.0
MEMORY_FRAMES = 32  # frames kept per allocation: deep enough to reach the project's line under pandas


@dataclass(frozen=True)
class Goal:
    pattern: str  # result names it holds for (fnmatch)
    up_to: int  # the largest register the goal is stated for
    limit: float
    measure: str = "seconds"  # "seconds", "mb" (a memory figure) or "ratio" (to the baseline)
    strict: bool = False  # "< limit" (else "≤ limit"), as the goal was stated
    database: str | None = None  # None: either database
    from_n: int = 0  # the smallest register it holds for (a ratio may not hold where fixed costs rule)

    def met(self, result: dict[str, Any]) -> bool | None:
        """Whether a reported figure (``Result.as_json``) meets the goal; None if it has no such measure."""
        value = result.get(self.measure)
        if value is None:
            return None
        return value < self.limit if self.strict else value <= self.limit

    def text(self) -> str:
        sign = "<" if self.strict else "≤"
        unit = {"seconds": " s", "mb": " MB", "ratio": ""}[self.measure]
        what = "ratio to the faster DuckDB query" if self.measure == "ratio" else ""
        return f"{what} {sign} {self.limit:g}{unit}".strip()


GOALS = (
    Goal("load", MILLION, 3.0),
    Goal("load_database", MILLION, 3.0),
    Goal("refresh", MILLION, 1.0),
    Goal("draw", MILLION, 1.5),
    Goal("verify", MILLION, 1.5),
    Goal("draw_v2", MILLION, 1.5),
    Goal("verify_v2", MILLION, 1.5),
    # ahead of the best SQL at a million; at 10,000 the table's 20 ms and DuckDB's are fixed costs
    Goal("adoption_table", MILLION, 1.0, measure="ratio", strict=True, from_n=MILLION),
    Goal("platform_ingest", MILLION, 10.0, strict=True, database="sqlite"),
    Goal("platform_ingest", MILLION, 5.0, strict=True, database="postgresql"),
    Goal("page*", HUNDRED_THOUSAND, 0.5, strict=True),
    Goal("page*", MILLION, 1.5, strict=True),
    Goal("sessions_p95", HUNDRED_THOUSAND, 1.0, strict=True),
    Goal("session_mb", HUNDRED_THOUSAND, 20.0, measure="mb", strict=True),
)


def goal_for(name: str, n: int, database: str) -> Goal | None:
    """The goal a figure named ``name`` is held to for ``n`` enterprises on ``database``: the one
    stated for the smallest register at least ``n`` (None when no goal names it). Reports are read
    against this table (``bench-report``), so a report written before a goal changed is judged
    by the goals of today; its profiles are those taken when it ran."""
    found = [
        g
        for g in GOALS
        if fnmatch.fnmatchcase(name, g.pattern)
        and g.from_n <= n <= g.up_to
        and g.database in (None, database)
    ]
    return min(found, key=lambda g: g.up_to, default=None)


def peak_goal_missed(n: int, peak_mb: float | None) -> bool:
    """Whether a step's own peak resident memory is over the whole bench's goal (up to a million)."""
    return peak_mb is not None and n <= MILLION and peak_mb > PEAK_GOAL_MB


# --- profiles --------------------------------------------------------------------------------


def profile_call(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run ``fn`` once under ``cProfile``, with every thread it starts profiled too; return where
    the time went (:func:`summarise`). Work done in other processes (the SQLite reader) shows as
    the wait for its answer."""
    profiles: list[cProfile.Profile] = []
    original = threading.Thread.run

    def profiled_run(thread: threading.Thread) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()
        try:
            original(thread)
        finally:
            profile.disable()

    own = cProfile.Profile()
    with mock.patch.object(threading.Thread, "run", profiled_run):
        own.enable()
        try:
            fn()
        finally:
            own.disable()
    stats = pstats.Stats(own)
    for profile in profiles:
        stats.add(profile)
    return summarise(stats)


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    return f"{_short(filename)}:{line} {function}" if line else function


def _short(filename: str) -> str:
    """A source file's path from the project's package or from site-packages; else as it is."""
    parts = Path(filename).parts
    if "traceboard" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("traceboard") :])
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1 :])
    return filename


def _ours(filename: str) -> bool:
    """The project's code, less the harness and the app's entry point that wrap every profile."""
    path = filename.replace("\\", "/")
    return (
        "/traceboard/" in path and "/traceboard/bench/" not in path and not path.endswith("/dashboard/app.py")
    )


def summarise(stats: pstats.Stats) -> dict[str, Any]:
    """The project's functions by cumulative time, and the functions anywhere by own time."""
    table = stats.stats  # type: ignore[attr-defined]  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = max((ct for _cc, _nc, _tt, ct, _callers in table.values()), default=0.0)

    def entry(key, value) -> dict[str, Any]:
        _cc, calls, own, cumulative, _callers = value
        return {
            "function": _where(key),
            "calls": calls,
            "seconds": round(cumulative, 3),
            "own": round(own, 3),
        }

    ours = sorted(
        ((k, v) for k, v in table.items() if _ours(k[0])),
        key=lambda kv: kv[1][3],
        reverse=True,
    )
    # AppTest's main thread polls with time.sleep while a page's script runs: a wait, not work
    heavy = sorted(
        ((k, v) for k, v in table.items() if k[2] != "<built-in method time.sleep>"),
        key=lambda kv: kv[1][2],
        reverse=True,
    )
    return {
        "profiled_seconds": round(total, 3),
        "cumulative": [entry(k, v) for k, v in ours[:PROFILE_TOP]],
        "own": [entry(k, v) for k, v in heavy[:PROFILE_TOP_OWN]],
    }


def format_profile(profile: dict[str, Any], indent: str = "    ") -> list[str]:
    """A profile as report lines: the project's functions, then where the time itself was spent."""
    lines = [f"{indent}under the profiler {profile['profiled_seconds']:.2f} s; the project's functions:"]
    lines += [
        f"{indent}  {e['seconds']:7.3f} s  {e['calls']:>7,}×  {e['function']}" for e in profile["cumulative"]
    ]
    lines.append(f"{indent}spent in (own time):")
    lines += [f"{indent}  {e['own']:7.3f} s  {e['calls']:>7,}×  {e['function']}" for e in profile["own"]]
    return lines


# --- where memory peaks ---------------------------------------------------------------------


class PeakSampler:
    """Samples this process's resident memory every ``interval`` seconds while a step runs, and
    keeps the step's thread's stack at the highest sample: where the code was when memory peaked
    (the project's frames, innermost first). Linux only (``/proc/self/statm``); elsewhere
    :attr:`found` stays None. Sampling, not accounting: a peak between two samples is missed, and
    a stack says what ran then, not what holds the memory."""

    FRAMES = 8

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.found: dict[str, Any] | None = None
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watched = threading.get_ident()

    def _rss_mb(self) -> float | None:
        try:
            with open("/proc/self/statm", "rb") as statm:
                return int(statm.read().split()[1]) * self._page / 2**20
        except OSError:
            return None

    def _run(self) -> None:
        best = 0.0
        while not self._stop.wait(self.interval):
            rss = self._rss_mb()
            if rss is None:
                return
            if rss > best:
                best = rss
                self.found = {"peak_mb": round(rss, 1), "at": self._stacks()}

    def _stacks(self) -> list[str]:
        """The project's frames of the step's thread, then of each other thread running the
        project's code (a page's script runs in a thread of its own), each headed by its name.

        The frames are let go before returning: ``sys._current_frames()`` holds this method's own
        frame, which holds the dict, a reference cycle that only the cyclic collector frees. While
        the step runs with the collector paused (``traceboard.gcpause``: spec 1's reveal, two
        minutes at a million), every new high would keep the step's frames then running, and with
        them their locals after they returned: the memory the sampler measured grew because it
        measured (spec 1's draw at a million: 2,796 MB in the bench's step, 614 MB once fixed)."""
        frames = sys._current_frames()
        try:
            names = {t.ident: t.name for t in threading.enumerate()}
            lines = _project_frames(frames.get(self._watched), self.FRAMES)
            for ident in frames:
                if ident in (self._watched, threading.get_ident()):
                    continue
                theirs = _project_frames(frames[ident], self.FRAMES)
                if theirs:
                    lines += [f"(thread {names.get(ident, ident)})", *theirs]
            return lines
        finally:
            frames.clear()

    def __enter__(self) -> PeakSampler:
        self._thread = threading.Thread(target=self._run, name="peak-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _project_frames(frame, limit: int) -> list[str]:
    """The project's frames of a stack, innermost first (the bench's steps included: what a step
    holds may be its own, as DuckDB's copy of the arrays is; the command line's left out)."""
    frames = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        path = code.co_filename.replace("\\", "/")
        if (
            "/traceboard/" in path
            and "/traceboard/cli/" not in path
            and not path.endswith("/bench/harness.py")
        ):
            frames.append(_where((code.co_filename, frame.f_lineno, code.co_name)))
        frame = frame.f_back
    return frames


# --- what holds the memory at the peak ------------------------------------------------------


def memory_profile(
    fn: Callable[[], Any], threshold_mb: float = 64.0, interval: float = 0.005
) -> dict[str, Any] | None:
    """Run ``fn`` once under ``tracemalloc`` and say what held its memory at its highest point.

    A watching thread reads the traced memory every ``interval`` seconds; each time it reaches a
    new high (over ``threshold_mb``, and a tenth over the last snapshot's) it takes a snapshot and
    keeps its allocation sites (:func:`_held`), so the last snapshot kept is the one nearest the
    peak. Only what ``fn`` allocates is traced (what was alive before is the step's resting memory),
    numpy's buffers included; Arrow's memory pool is not traced and is read beside each snapshot
    (``arrow_mb``). The exact traced peak is reported too (``traced_peak_mb``): a spike shorter than
    the interval, or one that comes and goes while a snapshot is taken, is in it but in no snapshot.
    None when ``tracemalloc`` is already tracing (someone else's tracing is not to be stopped)."""
    if tracemalloc.is_tracing():
        return None
    floor = threshold_mb * 2**20
    found: dict[str, Any] = {}
    work_peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal floor, work_peak
        while not stop.wait(interval):
            current, peak = tracemalloc.get_traced_memory()
            work_peak = max(work_peak, peak)
            if current < floor:
                continue
            snapshot = tracemalloc.take_snapshot().filter_traces(own)
            held = _held(snapshot)
            del snapshot
            found.clear()
            found.update(held, arrow_mb=_arrow_mb())
            floor = max(floor, held["snapshot_mb"] * 2**20 * 1.1)
            # the snapshot's own objects were traced too: the peak from here on is the work's again
            tracemalloc.reset_peak()

    # what this watcher allocates (an earlier snapshot's findings, its thread) is not the work's
    own = [
        tracemalloc.Filter(False, __file__, lineno=line, all_frames=True)
        for line in {line for _start, _end, line in watch.__code__.co_lines() if line}
    ]
    watcher = threading.Thread(target=watch, name="memory-profile", daemon=True)
    watcher.start()
    tracemalloc.start(MEMORY_FRAMES)
    try:
        fn()
    finally:
        stop.set()
        watcher.join()
        work_peak = max(work_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return {
        "traced_peak_mb": round(work_peak / 2**20, 1),
        "snapshot_mb": found.get("snapshot_mb"),
        "arrow_mb": found.get("arrow_mb"),
        "sites": found.get("sites", []),
    }


def _arrow_mb() -> float | None:
    """What Arrow's default memory pool holds now, if pyarrow is loaded (its buffers are not traced)."""
    arrow = sys.modules.get("pyarrow")
    return None if arrow is None else round(arrow.total_allocated_bytes() / 2**20, 1)


def _held(snapshot: tracemalloc.Snapshot) -> dict[str, Any]:
    """A snapshot's live allocations by the line that asked for them (:func:`_asked_by`) and the
    library line that made them, the largest first. (A snapshot holds the traces as they were when
    it was taken: the objects it is made of are not in it.)"""
    sites: dict[tuple[str, str | None], list[int]] = {}
    total = 0
    for stat in snapshot.statistics("traceback"):
        total += stat.size
        key = _asked_by(stat.traceback)
        entry = sites.setdefault(key, [0, 0])
        entry[0] += stat.size
        entry[1] += stat.count
    top = sorted(sites.items(), key=lambda kv: kv[1][0], reverse=True)[:MEMORY_TOP]
    return {
        "snapshot_mb": round(total / 2**20, 1),
        "sites": [
            {"mb": round(size / 2**20, 1), "blocks": count, "line": line, "in": inner}
            for (line, inner), (size, count) in top
        ],
    }


_PATHS = ("stdlib", "platstdlib", "purelib", "platlib")  # Python's own modules and installed packages
_LIBRARIES = tuple({sysconfig.get_paths()[k].replace("\\", "/") + "/" for k in _PATHS})


def _library(filename: str) -> bool:
    path = filename.replace("\\", "/")
    return path.startswith(_LIBRARIES) or "/site-packages/" in path or path.startswith("<frozen ")


def _asked_by(traceback: tracemalloc.Traceback) -> tuple[str, str | None]:
    """The innermost frame outside libraries (the project's, a benchmark's or a test's line that
    asked for the memory), and the innermost frame of all when that is another (the library's line
    that allocated it). Frames run from the oldest to the most recent."""
    frames = list(traceback)
    inner = _frame_where(frames[-1])
    line = next((_frame_where(f) for f in reversed(frames) if not _library(f.filename)), None)
    if line is None:  # only libraries in the frames kept: the oldest of them is the nearest to the caller
        line = "… " + _frame_where(frames[0])
    return line, (None if inner == line else inner)


def _frame_where(frame: tracemalloc.Frame) -> str:
    return f"{_short(frame.filename)}:{frame.lineno}"


def format_memory(held: dict[str, Any], indent: str = "    ") -> list[str]:
    """A memory profile as report lines: what was alive at the traced peak, by line."""
    arrow = "" if held.get("arrow_mb") is None else f"; Arrow's pool {held['arrow_mb']:,.0f} MB"
    if held.get("snapshot_mb") is None:
        return [f"{indent}done once more under tracemalloc: {held['traced_peak_mb']:,.0f} MB at its peak"]
    lines = [
        f"{indent}done once more under tracemalloc: {held['traced_peak_mb']:,.0f} MB at its peak; "
        f"alive at the snapshot nearest it ({held['snapshot_mb']:,.0f} MB{arrow}), by the line that "
        "asked (← the library's line that allocated):"
    ]
    for site in held["sites"]:
        inner = "" if site["in"] is None else f"  ← {site['in']}"
        lines.append(f"{indent}  {site['mb']:8,.1f} MB  {site['blocks']:>9,}×  {site['line']}{inner}")
    return lines
