"""Benchmark: the default draw and its verification, phase by phase, against an existing database.

    TRACEBOARD_DATABASE_URL=sqlite:////tmp/x/1m.db .venv/bin/python benchmarks/draw_phases.py \
        [--spec 3] [--repeat 3] [--profile draw|verify]

The same calls as ``traceboard bench``'s ``draw`` and ``verify`` steps (5 % of the active
enterprises by sector, with pairs), on a database filled once (``traceboard demo``), so that
a change can be measured without generating a register each time. Prints, per phase, the
wall seconds and this process's CPU seconds (the machine may be shared: compare CPU), the
best of ``--repeat`` runs; ``--profile`` prints cProfile's top functions of one phase.
A measurement, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import json
import os
import pstats
import time

from traceboard.bench.steps import DRAW_SEED
from traceboard.data.db import make_engine
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.demo import DEMO_AS_OF
from traceboard.sampling import ceremony, verify_manifest
from traceboard.sampling.manifest import dump_manifest
from traceboard.services import sampling as draw_support


def phases(engine, frame, spec: str) -> dict[str, tuple]:
    scope = {
        "ratio": "0.05",
        "stratum_by": "sector",
        "sectors": (),
        "townships": (),
        "on": DEMO_AS_OF,
        "spec": f"traceboard-draw/{spec}",
    }
    seed_hash = hashlib.sha256(DRAW_SEED.encode()).hexdigest()
    out: dict[str, tuple] = {}
    state: dict = {}

    def freeze():
        state["frozen"] = draw_support.freeze(engine, scope, frame)[0]

    def reveal():
        state["manifest"] = ceremony.reveal(state["frozen"], DRAW_SEED, seed_hash, dt.datetime.now(dt.UTC))[0]

    def dump():
        state["data"] = dump_manifest(state["manifest"])

    def load():
        state["parsed"] = verify_manifest.load(state["data"])

    def verify():
        problem = verify_manifest.verify(state["parsed"])
        if problem:
            raise RuntimeError(problem)

    for name, fn in (
        ("freeze", freeze),
        ("reveal", reveal),
        ("dump", dump),
        ("load", load),
        ("verify", verify),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        out[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    out["manifest_mb"] = (len(state["data"]) / 2**20,)
    return out, state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", default="3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", choices=["freeze", "reveal", "load", "verify"])
    args = parser.parse_args()
    engine = make_engine(os.environ["TRACEBOARD_DATABASE_URL"])
    frame = open_register_frame(engine)
    runs = [phases(engine, frame, args.spec)[0] for _ in range(args.repeat)]
    best = {k: tuple(round(min(r[k][i] for r in runs), 3) for i in range(len(runs[0][k]))) for k in runs[0]}
    best["draw (freeze + reveal)"] = tuple(
        round(min(r["freeze"][i] + r["reveal"][i] for r in runs), 3) for i in (0, 1)
    )
    best["verify (load + verify)"] = tuple(
        round(min(r["load"][i] + r["verify"][i] for r in runs), 3) for i in (0, 1)
    )
    print(json.dumps({k: dict(zip(("wall_s", "cpu_s"), v, strict=False)) for k, v in best.items()}, indent=1))
    print("load average:", os.getloadavg())
    if args.profile:
        _, state = phases(engine, frame, args.spec)
        seed_hash = hashlib.sha256(DRAW_SEED.encode()).hexdigest()
        target = {
            "freeze": lambda: draw_support.freeze(
                engine,
                {
                    "ratio": "0.05",
                    "stratum_by": "sector",
                    "sectors": (),
                    "townships": (),
                    "on": DEMO_AS_OF,
                    "spec": f"traceboard-draw/{args.spec}",
                },
                frame,
            ),
            "reveal": lambda: ceremony.reveal(state["frozen"], DRAW_SEED, seed_hash, dt.datetime.now(dt.UTC)),
            "load": lambda: verify_manifest.load(state["data"]),
            "verify": lambda: verify_manifest.verify(state["parsed"]),
        }[args.profile]
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(target)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
