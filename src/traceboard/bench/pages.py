"""The pages under Streamlit's AppTest, for ``traceboard bench``: first loads, reruns, many sessions.

Names in the report (see the README, Performance):

- ``page_first:NAME``: a new session's first view of page NAME, with the analysis frame already
  cached and every per-data-version result dropped (as just after a change of the record);
- ``page:NAME``: a rerun of that page (median of three), as after a click that changes nothing;
- ``…/SECTION``: a section of the 双随机抽查 page (``page:sampling`` is its first section, the
  plans); the first view of a section is the click on it;
- ``…@drawn``: after a draw with inspector pairs was committed and revealed; ``…@results``: after
  results of four of its checks were saved. Without a suffix: the demo city as generated.
- ``page_after_write:sampling/SECTION``: sessions standing on 结果录入, 检查任务 and 风险分类与估计
  when those results are saved; each one's next view, nothing dropped by hand: the frame
  refreshed and whatever the write made stale computed again (the inspector's wait after a save;
  the first of them pays for what the others then share).

The sessions step runs many AppTest sessions at once in this one process, each in its own
thread, as a Streamlit server runs each session's script in a thread of its one process: the
frame and the per-data-version results are shared, the interpreter's lock is contended.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from traceboard.accounts.authz import SYSTEM, Actor
from traceboard.bench.harness import BenchContext, Result

OFFICE = Actor("demo-office", "office")
SAMPLING_SECTIONS = ("draw", "assignments", "results", "publication", "risk")  # after "plans"
RERUNS = 3
PAGE_SEED = "湘乡 2026 页面基准 🎲 27182818"
RESULTS_SAVED = 4  # an inspector's morning: four checks recorded
# sections whose next view after saving results is measured (``page_after_write:``), in this order
AFTER_WRITE_SECTIONS = ("results", "assignments", "risk")


def office_pages() -> list[str]:
    from traceboard.dashboard.navigation import visible_pages

    return [p for p in visible_pages("office") if p != "sign_in"]


def prepare_apptest(ctx: BenchContext) -> None:
    """Point the app at the bench's database; quiet Streamlit's warnings about running unserved."""
    # AppTest runs the pages outside a served session, and Streamlit warns of that on every call
    # (a filter, because Streamlit resets its loggers' levels when it reads its configuration)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    os.environ["TRACEBOARD_DATABASE_URL"] = ctx.engine.url.render_as_string(hide_password=False)


def new_session(actor: Actor = OFFICE):
    """A signed-in session that has run once (it stands on the role's first page)."""
    from streamlit.testing.v1 import AppTest

    from traceboard.config import PACKAGE_ROOT

    at = AppTest.from_file(str(PACKAGE_ROOT / "dashboard" / "app.py"), default_timeout=600)
    at.session_state["actor"] = actor
    _checked(at.run(), "the first page")
    return at


def _checked(at, what: str):
    if at.exception:
        raise RuntimeError(f"{what} failed under AppTest: {at.exception[0].value}")
    return at


def _timed(act: Callable[[], Any], what: str) -> float:
    return _timed_cpu(act, what)[0]


def _timed_cpu(act: Callable[[], Any], what: str) -> tuple[float, float]:
    """Wall seconds and the process's CPU seconds of ``act`` (on a shared machine the wall time
    also counts the wait for a core; the CPU time does not)."""
    started, cpu = time.perf_counter(), time.process_time()
    at = act()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    _checked(at, what)
    return seconds, cpu


def _result(name: str, act: Callable[[], Any], what: str) -> Result:
    seconds, cpu = _timed_cpu(act, what)
    return Result(name, seconds, cpu_seconds=cpu)


def _reruns(name: str, at, what: str) -> Result:
    """The median of ``RERUNS`` reruns (wall and CPU time each)."""
    times = [_timed_cpu(at.run, what) for _ in range(RERUNS)]
    return Result(
        name,
        statistics.median(w for w, _ in times),
        cpu_seconds=statistics.median(c for _, c in times),
    )


def forget_page_caches() -> None:
    """Drop what pages computed for this data version (not the frame), as a change of the record does."""
    import streamlit as st

    from traceboard.dashboard.state import forget_per_version

    forget_per_version()
    st.cache_data.clear()


def measure_page(page: str, suffix: str = "", ctx: BenchContext | None = None) -> list[Result]:
    """``page_first:`` and ``page:`` of one page (of each section, for the 双随机抽查 page).

    With ``ctx``, a first view that misses its goal is viewed once more by a new session under
    the profiler (``BenchContext.check``), the record as it was."""
    at = new_session()
    forget_page_caches()
    at.switch_page(f"views/{page}.py")
    first = _result(f"page_first:{page}{suffix}", at.run, page)
    results = [first, _reruns(f"page:{page}{suffix}", at, page)]
    if ctx is not None:
        ctx.check(
            first.name, {"seconds": first.seconds}, lambda scene: scene.run(), lambda: _first_view(page)
        )
    if page == "sampling":
        for section in SAMPLING_SECTIONS:
            name = f"sampling/{section}{suffix}"
            forget_page_caches()
            click = at.radio(key="sampling_section").set_value(section)
            first = _result(f"page_first:{name}", click.run, name)
            results += [first, _reruns(f"page:{name}", at, name)]
            if ctx is not None:
                ctx.check(
                    first.name,
                    {"seconds": first.seconds},
                    lambda scene: scene.run(),
                    lambda section=section: _first_view(page, section),
                )
    return results


def _first_view(page: str, section: str | None = None):
    """A new session at the point of a first view: on ``page`` (on its first section, then the
    click on ``section`` set), the page's per-data-version results dropped; run it to view."""
    at = new_session()
    if section is not None:
        at.switch_page(f"views/{page}.py")
        _checked(at.run(), page)
    forget_page_caches()
    if section is None:
        at.switch_page(f"views/{page}.py")
        return at
    return at.radio(key="sampling_section").set_value(section)


def warm_frame() -> None:
    """Load the frame of the current data version into the app's cache (untimed)."""
    new_session()


def make_draw(ctx: BenchContext) -> int:
    """Commit and reveal a one-off draw as the page does: 5 % by sector, with inspector pairs.

    In a child process, as the demo city is made: the draw is the scene the pages are viewed in,
    not one of them, and its reveal holds the frozen list and the manifest at once (at a million,
    more than the pages' own peak); this process then sees the draw in the record as a server sees
    one revealed by another process. Spec 2, whichever spec is the default: what the pages show
    of a draw does not depend on its spec, and spec 2 draws a million-enterprise register in
    seconds.
    """
    url = ctx.engine.url.render_as_string(hide_password=False)
    child = "from traceboard.bench.pages import draw_child; draw_child()"
    done = subprocess.run([sys.executable, "-c", child, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the page bench's draw failed in its child: {done.stderr.strip()[-2000:]}")
    return int(done.stdout.strip().splitlines()[-1])


def draw_child() -> None:
    """``make_draw``'s child: the draw in the database at ``argv[1]``; prints the draw's id."""
    from traceboard.data.db import make_engine
    from traceboard.data.frame_snapshot import open_register_frame
    from traceboard.demo import DEMO_AS_OF
    from traceboard.sampling import ceremony
    from traceboard.sampling.spec import SPEC_V2
    from traceboard.services import sampling as support

    scope = {"ratio": 0.05, "stratum_by": "sector", "sectors": (), "townships": (), "on": DEMO_AS_OF}
    engine = make_engine(sys.argv[1])
    try:
        frozen, _ = support.freeze(engine, {**scope, "spec": SPEC_V2}, open_register_frame(engine))
        list_hash = ceremony.frozen_list_sha256(frozen)
        seed_hash = hashlib.sha256(PAGE_SEED.encode()).hexdigest()
        draw_id = support.commit_draw(engine, SYSTEM, frozen, seed_hash, list_hash)
        del frozen  # the reveal reads the committed list back from the draw's row, as the page's does
        support.reveal_draw(engine, SYSTEM, draw_id, PAGE_SEED, ceremony.reveal)
    finally:
        engine.dispose()
    sys.stdout.write(f"{draw_id}\n")


def save_results(ctx: BenchContext, draw_id: int) -> None:
    """Record the results of the draw's first checks, one save as on the page."""
    from traceboard.demo import DEMO_AS_OF
    from traceboard.services import sampling as support

    checks = support.load_assignments(ctx.engine, draw_id).head(RESULTS_SAVED)
    rows = [
        {
            "assignment_id": int(a),
            "checked_on": DEMO_AS_OF,
            "result": support.RESULT_CODES[i % 2],
            "findings": "基准测试",
            "rectification_due_on": None,
            "rectified_on": None,
        }
        for i, a in enumerate(checks["assignment_id"])
    ]
    support.record_results(ctx.engine, SYSTEM, rows, DEMO_AS_OF)


def measure_pages(ctx: BenchContext, pages: list[str] | None = None) -> list[Result]:
    """Every office page as generated, the 双随机抽查 page after a draw, every page after results."""
    from traceboard.dashboard.state import adopt_frame

    prepare_apptest(ctx)
    pages = pages or office_pages()
    results: list[Result] = []
    frame = ctx.state.pop("frame", None)
    if frame is not None:  # the app takes the bench's frame and refreshes it: one frame, not two
        adopt_frame(frame)
    del frame

    def measure(page: str, suffix: str = "") -> None:
        for result in measure_page(page, suffix, ctx):
            ctx.progress(
                f"  {result.name}: {result.seconds:.3f} s (CPU {result.cpu_seconds:.3f} s)"
            )  # the step reports when all are done
            results.append(result)

    warm_frame()
    for page in pages:
        measure(page)
    draw_id = make_draw(ctx)
    warm_frame()
    measure("sampling", "@drawn")
    # the inspector's write: sessions standing on sections of the page when results are saved
    standing = {}
    for section in AFTER_WRITE_SECTIONS:
        at = new_session()
        at.switch_page("views/sampling.py")
        _checked(at.run(), "sampling")
        standing[section] = _checked(at.radio(key="sampling_section").set_value(section).run(), section)
    save_results(ctx, draw_id)
    for section, at in standing.items():  # their next view: the frame refreshed, caches as they are
        result = _result(f"page_after_write:sampling/{section}", at.run, section)
        ctx.progress(f"  {result.name}: {result.seconds:.3f} s (CPU {result.cpu_seconds:.3f} s)")
        results.append(result)
    warm_frame()
    for page in pages:
        measure(page, "@results")
    return results


# --- many sessions at once -------------------------------------------------------------------

SESSION_WALK = ("overview", "adoption", "sampling", "blacklist", "assessment", "data_admin", "audit")


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


@contextlib.contextmanager
def shared_runtime() -> Iterator[None]:
    """One Streamlit runtime and one script cache for every AppTest session, as a server has.

    Each ``AppTest.run`` installs a runtime stand-in of its own and removes it when its script
    ends, which would pull it from under scripts still running in other threads. Here one
    stand-in serves them all (as one runtime serves every session of a server), and the runs'
    own installs and removals land on a placeholder instead. Each run also compiles the pages
    anew, which a server does once (and which Python 3.11 cannot do in several threads at once):
    the pages' script cache is shared here, and so is the app script's, which Streamlit's
    ``LocalScriptRunner`` makes anew for each run (without it, every rerun of every session
    compiled ``app.py`` again).
    """
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching.storage.dummy_cache_storage import MemoryCacheStorageManager
    from streamlit.runtime.dataframe_source_manager import DataframeSourceManager
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    from streamlit.testing.v1.util import patch_config_options

    runtime = mock.MagicMock(spec=Runtime)
    runtime.media_file_mgr = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    runtime.dataframe_source_mgr = DataframeSourceManager()
    runtime.cache_storage_manager = MemoryCacheStorageManager()
    runtime.bidi_component_registry = BidiComponentManager()

    class Placeholder:
        _instance = None

    scripts = ScriptCache()  # a server compiles each page once; a run of AppTest alone, every time

    saved = Runtime._instance
    Runtime._instance = runtime
    try:
        # the config patch each run makes and undoes would also interleave: patched once around all
        with (
            patch_config_options({"global.appTest": True}),
            mock.patch.object(app_test, "Runtime", Placeholder),
            mock.patch.object(app_test, "ScriptCache", lambda: scripts),
            mock.patch.object(local_script_runner, "ScriptCache", lambda: scripts),
        ):
            yield
    finally:
        Runtime._instance = saved


THINK_SECONDS = (1.0, 4.0)  # a user's pause between two interactions, uniformly drawn


def _session_walk(
    at,
    walk: tuple[str, ...],
    think: tuple[float, float],
    seed: int,
    barrier: threading.Barrier,
    times: list[float],
    errors: list[str],
) -> None:
    pause = random.Random(seed)
    try:
        barrier.wait()
        for page in walk:
            at.switch_page(f"views/{page}.py")
            for _ in range(2):  # the page opened, then a click that changes nothing
                time.sleep(pause.uniform(*think))
                times.append(_timed(at.run, page))
    except Exception as exc:  # reported after all threads end
        errors.append(f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.abort()


def measure_sessions(
    ctx: BenchContext,
    sessions: int,
    walk: tuple[str, ...] = SESSION_WALK,
    think: tuple[float, float] = THINK_SECONDS,
) -> list[Result]:
    """``sessions`` signed-in sessions walk the office's pages at once; p95 and memory per session.

    One session first opens every page of ``walk`` (the frame and the pages' results of this data
    version are cached, as in an app that has been up a while). Then ``sessions`` new sessions
    start together; each opens each page and clicks once on it, pausing ``think`` seconds (drawn
    uniformly) before each interaction, as users read what they see. ``sessions_p95`` is the
    95th percentile of all those interactions; ``session_mb`` the process's resident memory with
    all of them open, less that with the first alone, per added session.
    """
    prepare_apptest(ctx)
    with shared_runtime():
        first = new_session()
        for page in walk:
            first.switch_page(f"views/{page}.py")
            _checked(first.run(), page)
        gc.collect()
        alone = _rss_mb()
        times: list[float] = []
        errors: list[str] = []
        # signed in one after another, untimed: Python 3.11's compiler keeps a global recursion
        # count, and a first run's compiles in several threads at once can trip it (SystemError:
        # AST constructor recursion depth mismatch); a server's sessions sign in at their own pace
        signed_in = [new_session() for _ in range(sessions)]
        barrier = threading.Barrier(sessions)
        threads = [
            threading.Thread(
                target=_session_walk, args=(at, walk, think, i, barrier, times, errors), daemon=True
            )
            for i, at in enumerate(signed_in)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(f"{len(errors)} of {sessions} sessions failed: {errors[0]}")
        gc.collect()
        crowd = _rss_mb()
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
    return [
        Result("sessions_p95", p95),
        Result("session_mb", max(crowd - alone, 0.0) / sessions, unit="MB"),
    ]
