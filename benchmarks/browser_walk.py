"""Benchmark: the inspector's 双随机抽查 workflow in a browser, step by step, on a served app.

One command, on a demo city of 100,000 enterprises (made once into var/walk/, then a fresh copy
served for every walk, so each walk starts from the same record):

    .venv/bin/python benchmarks/browser_walk.py --enterprises 100000

or against an app already served (on a database that can take a new plan and draw):

    .venv/bin/python benchmarks/browser_walk.py --url http://127.0.0.1:8600

Signs in through the form as demo-inspector and walks the task of ``tests/dashboard/walks.py``
(the browser test's own steps) in headless Chromium: save a plan, the seed's hash, commit, reveal
and draw, a check list, results saved, marked published. Each step is timed from the user's act
until the page is drawn again; when this script serves the app it also reads the server process's
CPU seconds for each step (on a shared machine the wall time also counts the wait for a core).
Prints a table and JSON (step → seconds, server CPU seconds), the load average before and after,
and saves a screenshot per step. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the walk lives with the browser test

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.dashboard.walks import Walk, inspector_task  # noqa: E402

from traceboard.accounts.accounts import DEMO_PASSWORD  # noqa: E402

APP = ROOT / "src" / "traceboard" / "dashboard" / "app.py"
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) the process ``pid`` and its ended children (the frame's SQLite
    reader runs in one) have used so far; 0 when not known."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICKS  # utime, stime, cutime, cstime (fields 14–17)


class TimedWalk(Walk):
    """A walk that also reads the server's CPU time around each timed step."""

    server_pid: int | None = None
    cpu: dict[str, float]

    def act(self, step: str, action):
        before = process_cpu(self.server_pid)
        try:
            return super().act(step, action)
        finally:
            self.cpu[step] = process_cpu(self.server_pid) - before

    def download(self, step: str, button) -> bytes:
        before = process_cpu(self.server_pid)
        try:
            return super().download(step, button)
        finally:
            self.cpu[step] = process_cpu(self.server_pid) - before


def demo_database(keep: Path, enterprises: int, env: dict[str, str]) -> Path:
    """The demo city of ``enterprises`` under ``keep``, generated on first use and kept."""
    pristine = keep / f"demo-{enterprises}.db"
    if pristine.exists():
        return pristine
    partial = keep / f"demo-{enterprises}.partial.db"
    partial.unlink(missing_ok=True)
    cli = [sys.executable, "-m", "traceboard.cli.main", "--database-url", f"sqlite:///{partial}"]
    print(f"generating a demo city of {enterprises:,} enterprises into {pristine} (once)", file=sys.stderr)
    subprocess.run([*cli, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*cli, "demo", "--enterprises", str(enterprises)], env=env, check=True)
    partial.replace(pristine)
    return pristine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(database: Path, env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run`` of the app against ``database`` on a free port: (url, server pid)."""
    port = _free_port()
    env = {**env, "TRACEBOARD_DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; its output is in {log}") from None
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def walk(url: str, server_pid: int | None, shots: Path, timeout: float) -> tuple[TimedWalk, dict]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        steps = TimedWalk(tab, shots, "inspector", timeout_ms=int(timeout * 1000))
        steps.server_pid, steps.cpu = server_pid, {}
        try:
            steps.sign_in(url, "demo-inspector", DEMO_PASSWORD)
            seen = inspector_task(steps)
        finally:
            browser.close()
    return steps, seen


def report(steps: TimedWalk, loads: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    with_cpu = steps.server_pid is not None
    lines = [
        "| step | seconds |" + (" server CPU s |" if with_cpu else ""),
        "|---|---:|" + ("---:|" if with_cpu else ""),
    ]
    for step, seconds in steps.timings:
        cpu = f" {steps.cpu.get(step, 0.0):.2f} |" if with_cpu else ""
        lines.append(f"| {step} | {seconds:.2f} |{cpu}")
    print("\n".join(lines))
    before, after = (", ".join(f"{x:.2f}" for x in load) for load in loads)
    print(f"load average before: {before}; after: {after}")
    out = {
        step: {
            "seconds": round(seconds, 3),
            **({"server_cpu": round(steps.cpu[step], 3)} if with_cpu else {}),
        }
        for step, seconds in steps.timings
    }
    print(json.dumps(out, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="walk an app already served at this address (no server CPU figures)")
    parser.add_argument("--enterprises", type=int, default=100_000, help="size of the demo city to serve")
    parser.add_argument(
        "--keep", type=Path, default=ROOT / "var" / "walk", help="where the demo city is kept"
    )
    parser.add_argument("--shots", type=Path, default=ROOT / "var" / "screenshots" / "walk")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one step may take")
    args = parser.parse_args()
    load_before = os.getloadavg()
    if args.url:
        steps, seen = walk(args.url, None, args.shots, args.timeout)
    else:
        args.keep.mkdir(parents=True, exist_ok=True)
        # the demo's audit key, the frame's snapshot and the public site stay with the kept city
        env = {**os.environ, "TRACEBOARD_VAR_DIR": str(args.keep / "var")}
        env.setdefault("TRACEBOARD_SITE_DIR", str(args.keep / "site"))
        pristine = demo_database(args.keep, args.enterprises, env)
        database = args.keep / "walk.db"  # a fresh copy: every walk starts from the generated city
        for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(pristine, database)
        with served(database, env, args.keep / "streamlit.log") as (url, pid):
            steps, seen = walk(url, pid, args.shots, args.timeout)
    report(steps, (load_before, os.getloadavg()))
    shown = {k: v for k, v in seen.items() if not isinstance(v, bytes)}
    print(json.dumps(shown, ensure_ascii=False, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
