"""The services a command calls without a frame start from the frame's snapshot (docs/frame.md,
Cold start), as the dashboard does: a command at a million enterprises then pays the snapshot's
read and the changes since it, not the whole register. What they compute does not change."""

import datetime as dt

import pandas as pd
import pytest

from traceboard.data import frame as frame_module
from traceboard.data.frame import load_register_frame
from traceboard.data.frame_snapshot import save_frame_snapshot, snapshot_path
from traceboard.demo import DEMO_AS_OF
from traceboard.services import assessment, sampling, timetable

ONE_OFF = {"ratio": 0.1, "stratum_by": "sector", "sectors": (), "townships": (), "on": DEMO_AS_OF}


def _assessment(engine, frame=None):
    view = assessment.prepare_assessment(engine, 2025, DEMO_AS_OF, frame)
    return view.result.units.merge(view.result.indicators, on=["unit_id", "unit_kind"])


def _timetable(engine, frame=None):
    return timetable.prepare_timetable(engine, DEMO_AS_OF, frame).goals


def _sampling_frame(engine, frame=None):
    return sampling.sampling_frame(engine, DEMO_AS_OF, frame)


def _frozen(engine, frame=None):
    frozen, _plan = sampling.freeze(engine, ONE_OFF, frame)
    return pd.DataFrame([(s["stratum"], len(s["ids"]), tuple(s["ids"])) for s in frozen["strata"]])


@pytest.mark.parametrize("compute", [_assessment, _timetable, _sampling_frame, _frozen])
def test_without_a_frame_the_services_read_the_snapshot_and_compute_the_same(
    demo_engine, monkeypatch, compute
):
    expected = compute(demo_engine, load_register_frame(demo_engine))
    assert save_frame_snapshot(demo_engine, load_register_frame(demo_engine)) == snapshot_path(demo_engine)

    def no_register_read(*_args):
        raise AssertionError("the register was read again: the snapshot was there")

    monkeypatch.setattr(frame_module, "_read_enterprises", no_register_read)
    pd.testing.assert_frame_equal(compute(demo_engine), expected)


def test_without_a_snapshot_they_read_the_register_and_leave_one(demo_engine):
    path = snapshot_path(demo_engine)
    assert not path.exists()
    today = dt.date(2025, 12, 31)
    assert not timetable.prepare_timetable(demo_engine, today).goals.empty
    assert path.exists()  # the next command starts from it
