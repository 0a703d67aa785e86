"""Exporting a table of any kind, and the files that go with it (docs/architecture.md).

An export read back by the importer gives the same record (``files/exporters.py`` writes
it with the import's own Chinese headers). The pages and the command line reach the
exporters through this module only; the export's audit row is ``audit_trail.record_export``
(or ``audited_download`` for a download button), written when the file leaves.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from traceboard.accounts.authz import Actor, require
from traceboard.files.exporters import (
    FILTERS,
    PERSONAL,
    ExportError,
    choice_lists,
    export_rows,
    filter_choices,
    template_bytes,
    to_file_bytes,
)


def export_permission(kind: str) -> str:
    """The permission exporting ``kind`` needs: ``personal.read`` for inspectors and conflicts."""
    return "personal.read" if kind in PERSONAL else "register.export"


def may_export(actor: Actor, kind: str) -> bool:
    """Whether ``actor`` may export ``kind`` (asked before reading any row of it)."""
    return actor.can(export_permission(kind))


def export_table(engine: Engine, actor: Actor, kind: str, filters: dict | None = None) -> pd.DataFrame:
    """The rows of ``kind`` as a table with the template's Chinese headers (see ``export_rows``).

    Needs ``register.export`` (``personal.read`` for inspectors and conflicts).
    """
    require(actor, export_permission(kind))
    return export_rows(engine, kind, filters)


__all__ = [
    "FILTERS",
    "ExportError",
    "choice_lists",
    "export_table",
    "filter_choices",
    "may_export",
    "template_bytes",
    "to_file_bytes",
]
