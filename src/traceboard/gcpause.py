"""Pause Python's cyclic garbage collector around work that builds millions of acyclic objects.

A draw over a million candidates creates lists of codes, ids and keys that hold
no reference cycles; the collector still walks all of them each time a
generation fills, which costs about a tenth of the draw. Reference counting
frees everything as usual while paused; the collector resumes (if it was on)
when the block ends, even on an error.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_cyclic_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic collector paused (see :func:`gc_paused`)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
