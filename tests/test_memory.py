"""The cap on glibc's malloc arenas (traceboard.memory), observed in fresh processes."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# Eight threads each allocate from the C heap and wait for one another, so that all eight hold
# memory at once; then glibc's own report (malloc_info) says how many arenas the process has.
ARENAS_AFTER_THREADS = textwrap.dedent(
    """
    import ctypes, ctypes.util, sys, tempfile, threading
    from traceboard.memory import limit_malloc_arenas

    answer = limit_malloc_arenas() if sys.argv[1] == "limit" else None
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)
    barrier = threading.Barrier(8)
    held = []

    def work():
        held.append([bytearray(4096) for _ in range(64)])  # 4 KiB buffers: malloc, not pymalloc
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        out = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, out)
        libc.fclose(out)
        heaps = open(report.name).read().count("<heap nr=")
    print(answer, heaps)
    """
)


def arenas(mode: str, **env: str) -> tuple[str, int]:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_THREADS, mode],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    answer, heaps = done.stdout.split()
    return answer, int(heaps)


def test_eight_threads_share_two_arenas_once_capped():
    assert arenas("limit") == ("True", 2)


def test_without_the_cap_eight_threads_take_more_arenas():
    # the control: what the cap changes (glibc allows eight arenas per core)
    answer, heaps = arenas("none")
    assert answer == "None"
    assert heaps > 2


def test_an_operators_setting_is_left_alone():
    assert arenas("limit", MALLOC_ARENA_MAX="3") == ("False", 3)


def test_the_command_line_sets_the_cap_before_its_work(monkeypatch, capsys):
    import traceboard.cli.main as cli_main

    calls = []
    monkeypatch.setattr(cli_main, "limit_malloc_arenas", lambda: calls.append("capped"))
    assert cli_main.main(["--help"]) == 0
    assert calls == ["capped"]
    assert "traceboard" in capsys.readouterr().out
