"""Benchmark: the public site and the public look-up over the demo city (issue #7).

    .venv/bin/python benchmarks/blacklist.py [--enterprises 6000] [--database sqlite|postgresql] [--repeat 3]

Fills a fresh database with the demo city, then times (best of ``--repeat``):
building every file of the public site from the record, writing it to a
directory, a look-up by credit code and one by a name fragment; and reports
the site's file sizes. Prints JSON. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from traceboard.bench.harness import peak_rss_mb, scratch_database
from traceboard.data.public_record import load_public_enterprises
from traceboard.demo import DEMO_AS_OF, generate_demo
from traceboard.files.site_writer import write_site
from traceboard.services.public import build_site, look_up


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return round(min(times), 4), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=6000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database, Path(tmp)) as engine:
        generate_demo(engine, enterprises=args.enterprises)
        some = load_public_enterprises(engine).iloc[len(load_public_enterprises(engine)) // 2]
        figures = {"enterprises": args.enterprises, "database": args.database}
        figures["build_site_s"], files = best_of(args.repeat, lambda: build_site(engine))
        figures["write_site_s"], _ = best_of(args.repeat, lambda: write_site(files, Path(tmp) / "site"))
        figures["lookup_code_s"], _ = best_of(args.repeat, lambda: look_up(engine, some["uscc"], DEMO_AS_OF))
        figures["lookup_name_s"], hits = best_of(args.repeat, lambda: look_up(engine, "食品", DEMO_AS_OF))
        figures["lookup_name_hits"] = len(hits)
        figures["files"] = len(files)
        figures["bytes"] = {name: len(data) for name, data in files.items() if "/" not in name}
        figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
