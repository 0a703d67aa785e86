"""Benchmark: backup and restore of a demo city (issue #4), and the cost of one sign-in.

    .venv/bin/python benchmarks/backup.py [--enterprises 6000] [--database sqlite|postgresql]

Fills a fresh database with the demo city, writes a backup, restores it into a
second fresh database of the same kind, and checks the restored audit chain.
Prints JSON: rows, file size, seconds for backup, restore and chain check, and
the median seconds of one argon2 sign-in.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from traceboard.accounts.accounts import DEMO_PASSWORD, sign_in
from traceboard.bench.harness import scratch_database
from traceboard.data.audit import verify_chain
from traceboard.data.backup import restore_backup, write_backup
from traceboard.data.db import session_factory
from traceboard.data.models import Base
from traceboard.demo import generate_demo


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return round(time.perf_counter() - started, 3), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=6000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "a").mkdir()
        (work / "b").mkdir()
        with scratch_database(args.database, work / "a") as source:
            generate_demo(source, enterprises=args.enterprises)
            path = work / "record.jsonl.gz"
            backup_s, summary = _timed(lambda: write_backup(source, path))
            sign_ins = [_timed(lambda: sign_in(source, "demo-office", DEMO_PASSWORD))[0] for _ in range(5)]
            with scratch_database(args.database, work / "b") as target:
                with target.begin() as conn:  # scratch databases come initialised: empty them
                    for table in reversed(Base.metadata.sorted_tables):
                        conn.execute(table.delete())
                restore_s, _ = _timed(lambda: restore_backup(target, path))
                with session_factory(target)() as session:
                    verify_s, broken = _timed(lambda: verify_chain(session))
            size_mb = round(path.stat().st_size / 2**20, 2)
    result = {
        "database": args.database,
        "enterprises": args.enterprises,
        "rows": summary.rows,
        "file_mb": size_mb,
        "backup_s": backup_s,
        "restore_s": restore_s,
        "verify_chain_s": verify_s,
        "chain_intact": broken is None,
        "sign_in_median_s": round(statistics.median(sign_ins), 3),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
