"""How a long-lived traceboard process asks the C allocator to keep its memory.

glibc's malloc gives each thread that allocates an arena of its own, up to eight per core. A
Streamlit server runs every rerun of every session's script in a new thread, so a dashboard
process soon has a dozen arenas, and the memory a page view frees in one of them stays there,
resident, for whichever thread happens to use that arena next. At a million enterprises that
was 80–160 MB of the dashboard's peak (docs/frame.md, *Measuring*). Two arenas cost nothing
measurable in CPU here: Python's own lock lets one thread run Python at a time, so the threads
seldom wait on an arena's lock.

:func:`limit_malloc_arenas` is called where a process starts its work: the command line's entry
point and the dashboard's script. It does nothing on a C library without ``mallopt`` (macOS,
musl), and it can be overridden by ``MALLOC_ARENA_MAX`` in the environment, which glibc reads at
start and this module then leaves alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


@functools.cache
def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc at ``arenas`` arenas for the threads that allocate from now on; True when
    set. Once per process (later calls return the first answer). Threads that already have an
    arena keep it; the cap applies before a process's first few threads have run, which is when
    the entry points call it."""
    if "MALLOC_ARENA_MAX" in os.environ:  # the operator's setting, already applied by glibc
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_ARENA_MAX, arenas) == 1
