"""How a long-lived traceboard process asks the C allocator to keep its memory.

Two of glibc's defaults suit a short program better than a dashboard holding a million-row frame:

- **Arenas.** glibc gives each thread that allocates an arena of its own, up to eight per core.
  A Streamlit server runs every rerun of every session's script in a new thread, so a dashboard
  process soon has a dozen arenas, and what a page view frees in one stays there, resident, for
  whichever thread next uses that arena. The processes ask for two.
- **Large blocks.** A block of 128 KiB or more is mapped on its own and returned to the system
  when freed, but each such free raises that threshold to the block's size, up to 32 MiB; after
  the first page view, a million-row column's array (1–8 MB) came from the arenas, and what was
  freed there stayed resident beside what was still in use. The processes fix the threshold at
  1 MiB: every array of a whole column is mapped on its own and handed back when freed.

At a million enterprises the two took the bench's peak from 1,074 MB (1,043 MB with two arenas
alone) to 964–974 MB and cost about 5 % more CPU in the page views, the price of mapping fresh
pages for each large array (docs/frame.md, *Measuring*, has the figures of each setting).

:func:`tune_malloc` is called where a process starts its work: the command line's entry point and
the dashboard's script. It does nothing without glibc (macOS, musl), and it gives way to
``MALLOC_ARENA_MAX`` and ``MALLOC_MMAP_THRESHOLD_`` in the environment, which glibc reads at start
and this module then leaves alone. :func:`trim_heap` hands glibc's free heap back to the system;
the bench does so between its steps.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
from typing import Any

MALLOC_ARENAS = 2
MMAP_THRESHOLD = 1 << 20  # bytes
# glibc's malloc.h: the mallopt parameter, and the environment variable an operator may set instead
_SETTINGS = {
    "arenas": (-8, "MALLOC_ARENA_MAX"),  # M_ARENA_MAX
    "mmap_threshold": (-3, "MALLOC_MMAP_THRESHOLD_"),  # M_MMAP_THRESHOLD
}


def glibc_function(name: str) -> Any | None:
    """``name`` from glibc, already loaded in the process (None elsewhere: macOS, musl, Windows)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


@functools.cache
def tune_malloc(arenas: int = MALLOC_ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> dict[str, bool]:
    """At most ``arenas`` arenas for the threads that allocate from now on, and blocks of
    ``mmap_threshold`` bytes or more mapped on their own; says which of the two were set (False:
    no glibc, or the operator's environment variable left in force). Once per process: later calls
    return the first answer. Threads that already have an arena keep it; the entry points call
    this before a process's first few threads have run."""
    mallopt = glibc_function("mallopt")
    if mallopt is not None:
        mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    wanted = {"arenas": arenas, "mmap_threshold": mmap_threshold}
    done = {}
    for name, (parameter, variable) in _SETTINGS.items():
        done[name] = (
            mallopt is not None and variable not in os.environ and mallopt(parameter, wanted[name]) == 1
        )
    return done


def trim_heap() -> bool:
    """Hand the heap glibc holds free back to the system (``malloc_trim(0)``, every arena); False
    where there is no glibc. The bench does it before each step, so that a step starts from what
    the process holds rather than from what it freed before."""
    malloc_trim = glibc_function("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
