"""Benchmark: where a day's platform feed spends its time, phase by phase (README, Performance).

    .venv/bin/python benchmarks/platform_ingest_phases.py [-n 1000000] [--database postgresql] [--runs 2]

Makes a demo city of ``n`` enterprises in a scratch database (as ``traceboard bench`` does), then
ingests the benchmark's feed of a new day (one row per enterprise, up to 600,000) ``runs`` times,
deleting the day again between runs. For each phase of ``services.platform_feeds.ingest_feed``
it prints the wall time, this process's CPU time and, on PostgreSQL, the CPU time of the
database's server process for the connection (read from /proc: the server must run on this
machine). On a loaded machine the wall times stretch while the CPU times stay close to the
work done, so both are shown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

import traceboard.services.platform_feeds as feeds
from traceboard.accounts.authz import SYSTEM
from traceboard.bench.harness import scratch_database
from traceboard.bench.steps import FEED_ROWS, feed_lines
from traceboard.demo import DEMO_AS_OF, generate_demo
from traceboard.files.platform_feed import read_feed

TICKS = os.sysconf("SC_CLK_TCK")


class Phases:
    """Wraps the ingest's steps and records (phase, wall, process CPU, server CPU) for each call."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float]] = []
        self.server_pid: int | None = None

    def server_cpu(self) -> float:
        if self.server_pid is None:
            return 0.0
        fields = Path(f"/proc/{self.server_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def wrap(self, name: str, fn, connection_first: bool = False):
        def timed(*args, **kwargs):
            if connection_first and self.server_pid is None and args[0].dialect.name == "postgresql":
                self.server_pid = args[0].execute(text("SELECT pg_backend_pid()")).scalar()
            wall, cpu, server = time.perf_counter(), time.process_time(), self.server_cpu()
            out = fn(*args, **kwargs)
            self.rows.append(
                (
                    name,
                    time.perf_counter() - wall,
                    time.process_time() - cpu,
                    self.server_cpu() - server,
                )
            )
            return out

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="enterprises in the demo city")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    phases = Phases()
    feeds.platforms = phases.wrap("platforms", feeds.platforms, connection_first=True)
    feeds._platform_ids = phases.wrap("platform ids", feeds._platform_ids)
    feeds.stage_uploads = phases.wrap("stage (COPY)", feeds.stage_uploads)
    feeds.merge_staged = phases.wrap("join and merge", feeds.merge_staged)
    read = phases.wrap("parse and check", read_feed)
    with (
        tempfile.TemporaryDirectory(prefix="traceboard-ingest-") as tmp,
        scratch_database(args.database, Path(tmp)) as engine,
    ):
        generate_demo(engine, enterprises=args.n)
        with engine.connect() as conn:
            codes = conn.execute(text("SELECT uscc FROM enterprise ORDER BY id LIMIT :n"), {"n": FEED_ROWS})
            uscc = codes.scalars().all()
        day = DEMO_AS_OF + dt.timedelta(days=1)
        content = feed_lines(uscc, day)
        for run in range(1, args.runs + 1):
            phases.rows.clear()
            phases.server_pid = None
            wall, cpu = time.perf_counter(), time.process_time()
            summary = feeds.ingest_feed(engine, SYSTEM, content, "feed.jsonl", today=day, read=read)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"run {run}: {summary.describe()}; load average {os.getloadavg()[0]:.1f}")
            print(f"  {'phase':16s} {'wall s':>8s} {'cpu s':>8s} {'server cpu s':>13s}")
            for name, w, c, s in phases.rows:
                print(f"  {name:16s} {w:8.3f} {c:8.3f} {s:13.3f}")
            rest = wall - sum(r[1] for r in phases.rows)
            print(f"  {'audit, commit':16s} {rest:8.3f}")
            print(f"  {'total':16s} {wall:8.3f} {cpu:8.3f}")
            with engine.begin() as conn:  # the next run ingests the same new day again
                conn.execute(text("DELETE FROM platform_upload WHERE day = :day"), {"day": day})


if __name__ == "__main__":
    main()
