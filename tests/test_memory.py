"""glibc's malloc as the processes set it (traceboard.memory), observed in fresh processes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# In a fresh process, tuned or not: (1) a 2 MiB block freed, then a 1.5 MiB one taken, and glibc's
# count of the bytes it has mapped on their own (mallinfo2's hblkhd) read with the second held;
# (2) eight threads that each allocate from the C heap and wait for one another, so that all eight
# hold memory at once, and the arenas glibc then reports (malloc_info).
OBSERVE = textwrap.dedent(
    """
    import ctypes, json, sys, tempfile, threading
    from traceboard.memory import tune_malloc

    answer = tune_malloc() if sys.argv[1] == "tuned" else None
    libc = ctypes.CDLL(None)

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    libc.mallinfo2.restype = MallInfo2
    first = bytearray(2 << 20)  # bytearray's buffer comes from malloc itself
    del first
    second = bytearray(3 << 19)
    mapped = libc.mallinfo2().hblkhd
    del second

    barrier = threading.Barrier(8)
    held = []

    def work():
        held.append([bytearray(4096) for _ in range(64)])
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        out = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, out)
        libc.fclose(out)
        arenas = open(report.name).read().count("<heap nr=")
    print(json.dumps({"answer": answer, "mapped": mapped, "arenas": arenas}))
    """
)


def observe(mode: str, **env: str) -> dict:
    settings = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_")
    environment = {k: v for k, v in os.environ.items() if k not in settings} | env
    done = subprocess.run(
        [sys.executable, "-c", OBSERVE, mode], capture_output=True, text=True, check=True, env=environment
    )
    return json.loads(done.stdout)


def test_tuned_eight_threads_share_two_arenas_and_a_large_block_is_mapped_on_its_own():
    seen = observe("tuned")
    assert seen["answer"] == {"arenas": True, "mmap_threshold": True}
    assert seen["arenas"] == 2
    assert seen["mapped"] >= 3 << 19  # the 1.5 MiB block, mapped although a larger one was freed


def test_glibcs_defaults_are_what_the_tuning_changes():
    # the control: up to eight arenas per core, and the threshold raised by the 2 MiB block's free,
    # so that the 1.5 MiB block came from an arena
    seen = observe("default")
    assert seen["answer"] is None
    assert seen["arenas"] > 2
    assert seen["mapped"] < 3 << 19


def test_an_operators_settings_are_left_alone():
    seen = observe("tuned", MALLOC_ARENA_MAX="3", MALLOC_MMAP_THRESHOLD_=str(4 << 20))
    assert seen["answer"] == {"arenas": False, "mmap_threshold": False}
    assert seen["arenas"] == 3
    assert seen["mapped"] < 3 << 19  # below the operator's 4 MiB threshold: from an arena


def test_the_command_line_tunes_malloc_before_its_work(monkeypatch, capsys):
    import traceboard.cli.main as cli_main

    calls = []
    monkeypatch.setattr(cli_main, "tune_malloc", lambda: calls.append("tuned"))
    assert cli_main.main(["--help"]) == 0
    assert calls == ["tuned"]
    assert "traceboard" in capsys.readouterr().out
