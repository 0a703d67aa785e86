import gc

import pytest

from traceboard import gcpause
from traceboard.gcpause import freeze_long_lived, gc_paused, without_cyclic_gc


def test_the_collector_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        assert without_cyclic_gc(gc.isenabled)() is False
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_long_lived_objects_are_frozen_once_per_process_after_a_collection(monkeypatch):
    calls = []
    monkeypatch.setattr(gcpause, "_frozen", False)
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert freeze_long_lived() is True
    assert freeze_long_lived() is False
    assert calls == ["collect", "freeze"]
