"""Fixtures of the command tests."""

import pytest

from tests.metrics.adoption_world import TARGETS_TOML, seed_database


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    """The hand-built register of tests/metrics/adoption_world.py in the database, with its targets."""
    seed_database(engine)
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS_TOML, encoding="utf-8")
    monkeypatch.setenv("TRACEBOARD_TARGETS", str(path))
    return engine
