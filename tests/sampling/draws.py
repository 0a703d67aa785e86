"""A draw committed through the service, for tests that need one in the database."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.engine import Engine

from traceboard.accounts.authz import SYSTEM
from traceboard.sampling import ceremony
from traceboard.services import sampling as support


def commit_a_draw(engine: Engine, seed: str, stratum_by: str, on: dt.date = dt.date(2026, 10, 31)):
    """5 % of the register at ``on`` by ``stratum_by``, frozen and committed (not yet revealed) under
    the SHA-256 of ``seed``; returns the frozen list and the draw's id."""
    scope = {"ratio": 0.05, "stratum_by": stratum_by, "sectors": (), "townships": (), "on": on}
    frozen, _ = support.freeze(engine, scope)
    draw_id = support.commit_draw(
        engine, SYSTEM, frozen, hashlib.sha256(seed.encode()).hexdigest(), ceremony.frozen_list_sha256(frozen)
    )
    return frozen, draw_id
