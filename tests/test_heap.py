"""Trimming the C heap: freed memory glibc kept goes back to the system; elsewhere nothing is done."""

import platform
from pathlib import Path

import pytest

from traceboard import heap


def _resident_mb() -> float:
    import os

    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_freed_heap_is_handed_back_to_the_system():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or not Path("/proc").exists():
        pytest.skip("malloc_trim is glibc's")
    blocks = [bytes(4000) for _ in range(100_000)]  # 400 MB from malloc (over Python's small blocks)
    kept = blocks[::32]  # one in 32 kept: the freed ones are holes glibc keeps, not the heap's top
    del blocks
    held = _resident_mb()
    assert heap.trim_heap() is True
    assert _resident_mb() < held - 250
    assert len(kept) == 3125


def test_without_glibc_nothing_is_called(monkeypatch):
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))
    heap._malloc_trim.cache_clear()
    try:
        assert heap.trim_heap() is False
    finally:
        heap._malloc_trim.cache_clear()
