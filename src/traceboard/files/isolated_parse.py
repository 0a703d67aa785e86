"""Parsing an uploaded file in a child process with a memory limit, so a parser crash costs one upload.

The readers are guarded by caps (``read_limits``), but they call native code
(calamine, in Rust) that aborts the whole process when an allocation fails.
The dashboard serves every user from one process; it parses uploads here:

    sheets = run_isolated(list_sheets, content, name)

The child is forked from a fork server that has imported the readers once
(``forkserver``: no copy of the app's threads or locks, and no import cost
per upload), limits its own address space (``RLIMIT_AS``), runs the function
and sends back the result or the exception. An abort, a kill or a blown
memory limit becomes :class:`ParserFailed`; the caller's process is untouched.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from functools import cache
from typing import TypeVar

MEMORY_LIMIT = 2 * 1024**3  # address space of the child, bytes
TIMEOUT_SECONDS = 300
PRELOAD = ["traceboard.files.importers.reading"]
T = TypeVar("T")


class ParserFailed(RuntimeError):
    """The parser died (``code`` ``parser_crashed``), ran out of memory (``parser_out_of_memory``)
    or took too long (``parser_timeout``); nothing else was affected."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, object] = {}

    def __reduce__(self):
        return (ParserFailed, (self.code, str(self)))


@cache
def _context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _child(send, memory_limit: int, fn: Callable, args: tuple) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        outcome = (True, fn(*args))
    except MemoryError:
        outcome = (False, ParserFailed("parser_out_of_memory", "the file needs more memory than allowed"))
    except Exception as exc:  # the caller re-raises it: the child only carries it across
        outcome = (False, exc)
    send.send(outcome)
    send.close()


def run_isolated(
    fn: Callable[..., T], *args: object, memory_limit: int = MEMORY_LIMIT, timeout: float = TIMEOUT_SECONDS
) -> T:
    """``fn(*args)`` in a child process under ``memory_limit`` bytes; its result or its exception.

    ``fn`` and its arguments must be picklable (a module-level function).
    Raises :class:`ParserFailed` when the child dies, exceeds the limit or the timeout.
    """
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, memory_limit, fn, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise ParserFailed("parser_timeout", f"the file took more than {timeout:.0f} s to read")
        ok, value = receive.recv()
    except (EOFError, ConnectionError):
        child.join(5)
        raise ParserFailed("parser_crashed", f"the reader stopped (exit code {child.exitcode})") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if not ok:
        raise value
    return value
