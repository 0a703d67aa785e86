import gc

import pytest

from traceboard.gcpause import gc_paused, without_cyclic_gc


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
