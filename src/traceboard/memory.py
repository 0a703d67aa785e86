"""How a long-lived traceboard process asks the C allocator to keep its memory.

glibc's malloc gives each thread that allocates an arena of its own, up to eight per core. A
Streamlit server runs every rerun of every session's script in a new thread, so a dashboard
process soon has a dozen arenas, and the memory a page view frees in one of them stays there,
resident, for whichever thread happens to use that arena next. At a million enterprises that
was 80–160 MB of the dashboard's peak (docs/frame.md, *Measuring*). Two arenas cost nothing
measurable in CPU here: Python's own lock lets one thread run Python at a time, so the threads
seldom wait on an arena's lock.

:func:`limit_malloc_arenas` is called where a process starts its work: the command line's entry
point and the dashboard's script. It does nothing without glibc (macOS, musl), and it gives way to
``MALLOC_ARENA_MAX`` in the environment, which glibc reads at start and this module then leaves
alone. :func:`trim_heap` hands glibc's free heap back to the system; the bench does so between
its steps.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
from typing import Any

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def glibc_function(name: str) -> Any | None:
    """``name`` from glibc, already loaded in the process (None elsewhere: macOS, musl, Windows)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


@functools.cache
def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc at ``arenas`` arenas for the threads that allocate from now on; True when
    set. Once per process (later calls return the first answer). Threads that already have an
    arena keep it; the cap applies before a process's first few threads have run, which is when
    the entry points call it."""
    if "MALLOC_ARENA_MAX" in os.environ:  # the operator's setting, already applied by glibc
        return False
    mallopt = glibc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_ARENA_MAX, arenas) == 1


def trim_heap() -> bool:
    """Hand the heap glibc holds free back to the system (``malloc_trim(0)``, every arena); False
    where there is no glibc. The bench does it before each step, so that a step starts from what
    the process holds rather than from what it freed before."""
    malloc_trim = glibc_function("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
