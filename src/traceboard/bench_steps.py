"""The steps ``traceboard bench`` measures, in order (see traceboard.bench for the harness)."""

from __future__ import annotations

import time

from traceboard.bench import BenchContext, Result, time_median
from traceboard.data.demo import generate_demo
from traceboard.data.frame import load_register_frame


def step_demo(ctx: BenchContext) -> Result:
    started = time.perf_counter()
    generate_demo(ctx.engine, enterprises=ctx.n)
    return Result("demo", time.perf_counter() - started)


def step_load(ctx: BenchContext) -> Result:
    seconds, frame = time_median(lambda: load_register_frame(ctx.engine))
    ctx.state["frame"] = frame
    return Result("load", seconds)


STEPS = [("demo", step_demo), ("load", step_load)]
