"""Keep Python's cyclic garbage collector out of the way of work that makes no cycles.

A draw over a million candidates creates lists of codes, ids and keys that hold
no reference cycles; the collector still walks all of them each time a
generation fills, which costs about a tenth of the draw. Reference counting
frees everything as usual while paused; the collector resumes (if it was on)
when the block ends, even on an error.

An app process holds a quarter of a million objects for its whole life (the modules, their
functions and classes, what the first load of the register frame imported): each full
(generation 2) collection walks all of them again, a tenth of a second of CPU inside whichever
page view it falls in. :func:`freeze_long_lived` moves them out of the
collector's sight once (docs/frame.md).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
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


_frozen = False
_frozen_lock = threading.Lock()


def freeze_long_lived() -> bool:
    """Once per process: collect, then move every object left (``gc.freeze``) to the generation
    the collector never walks. Call it when what the process keeps for its life is loaded (the
    app: after its first register frame). Those objects are still freed by reference counting
    when let go (a frame replaced by a newer one is); only a reference cycle among them would now
    never be collected, hence once, and after a collection. Returns whether this call froze."""
    global _frozen
    with _frozen_lock:
        if _frozen:
            return False
        gc.collect()
        gc.freeze()
        _frozen = True
        return True
