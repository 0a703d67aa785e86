"""Platform feeds, the use cases both faces share: list the platforms, ingest a feed.

    summary = ingest_feed(engine, actor, content, "hunan-2026-10-31.jsonl")

All or nothing per file: the file is parsed and checked (``files.platform_feed``),
checked against the platforms, staged in bulk, joined to the register and
merged in one transaction with one audit row (file, SHA-256, counts). Any
problem — malformed row, unknown platform, unknown credit code — rolls
everything back and is reported by file, row and column (:class:`FeedRejected`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, select

from traceboard.accounts.authz import Actor, require
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.platform_store import (
    merge_staged,
    platforms,
    stage_uploads,
    unknown_codes,
)
from traceboard.files.platform_feed import (
    Feed,
    UnreadableFeed,
    describe_problems,
    problem_frame,
    read_feed,
)
from traceboard.i18n import Message
from traceboard.services.imports import CountedChange

ACTION = "platform.ingest"


class FeedRejected(ValueError):
    """The feed has problems; nothing was written. ``problems``: row, column, value, reason."""

    def __init__(self, file: str, problems: pd.DataFrame) -> None:
        super().__init__(Message("cli.platform.rejected", count=len(problems), file=file))
        self.file = file
        self.problems = problems

    def lines(self, limit: int | None = 50, lang: str = "en") -> list[str]:
        return describe_problems(self.file, self.problems, limit, lang)


@dataclass(frozen=True)
class IngestSummary(CountedChange):
    """What an ingest did: rows ``added``, ``updated``, ``unchanged``; ``previous`` for a repeat."""

    file: str
    sha256: str
    format: str
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    previous: str | None = None

    def describe(self) -> Message:
        """What the ingest did, a ``Message`` (its English text, or worded in any language)."""
        return Message(
            "cli.summary.ingested",
            file=self.file,
            rows=self.rows,
            counts=self._row_counts(),
            note=self._unchanged_note("ingested"),
        )


def list_platforms(engine: Engine) -> pd.DataFrame:
    """The platforms in reference order: ``code, name, name_en, sectors``."""
    return platforms(engine).drop(columns="id")


def ingest_feed(
    engine: Engine,
    actor: Actor,
    content: bytes,
    filename: str,
    today: dt.date | None = None,
    read: Callable[[bytes, str, dt.date | None], Feed] = read_feed,
) -> IngestSummary:
    """Ingest one feed file (JSON Lines or CSV) as ``actor``; raise :class:`FeedRejected` on any problem.

    Raises :class:`~traceboard.files.platform_feed.UnreadableFeed` when the
    file is not a feed at all. Needs ``register.manage``. ``read`` parses the
    file (the dashboard passes :func:`read_feed` run in a memory-limited child).
    """
    require(actor, "register.manage")
    try:
        return _ingest(engine, actor, read(content, filename, today))
    finally:  # what Arrow's allocator kept of the feed's rows is handed back (docs/platform-exchange.md)
        pa.default_memory_pool().release_unused()


def _ingest(engine: Engine, actor: Actor, feed: Feed) -> IngestSummary:
    with transaction(engine) as session:
        conn = session.connection()
        known = platforms(conn)
        rows, problems = _platform_ids(feed, known)
        feed = replace(feed, rows=feed.rows.iloc[:0])  # staged below: not held through the merge
        stage_uploads(conn, rows)
        staged = {
            "rows": len(rows),
            "platforms": _platform_codes(rows, known),
            "first_day": rows["day"].min() if len(rows) else None,
            "last_day": rows["day"].max() if len(rows) else None,
        }
        del rows  # the record's copy is the staging table's: a day's feed is not held twice
        if len(problems):  # the credit codes are checked all the same: every problem is named at once
            _reject(feed, problems, unknown_codes(conn))
        counts, unknown = merge_staged(conn)  # identical rows are not written: a repeat writes nothing
        if len(unknown):
            _reject(feed, problems, unknown)
        summary = IngestSummary(feed.file, feed.sha256, feed.format, staged["rows"], counts)
        if not summary.changed:
            return IngestSummary(
                feed.file, feed.sha256, feed.format, staged["rows"], counts, _previous(session, feed.sha256)
            )
        record_audit(
            session,
            actor=actor.username,
            action=ACTION,
            entity="platform_upload",
            entity_id=feed.sha256,
            after={"file": feed.file, "sha256": feed.sha256, "format": feed.format} | staged | counts,
        )
    return summary


def _platform_ids(feed: Feed, known: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staging rows with platform ids (platform given by code or Chinese name) and the unknown platforms.

    The text columns are passed on as they are (Arrow-backed for a typed feed: no Python string
    per cell on the way to the staging table).
    """
    by_code = pd.Series(known["id"].to_numpy(), index=known["code"])
    by_name = pd.Series(known["id"].to_numpy(), index=known["name"])
    given = feed.rows["platform"]
    codes, distinct = pd.factorize(given)  # a feed names a handful of platforms: map those, not every row
    distinct = pd.Series(distinct, dtype=object)
    named = distinct.map(by_code).fillna(distinct.map(by_name)).to_numpy(dtype=float)
    ids = named[codes]
    missing = np.isnan(ids)
    problems = problem_frame(
        feed.rows.loc[missing, "row"],
        feed.column_name("platform"),
        given[missing],
        "unknown_platform",
        [", ".join(known["code"])] * int(missing.sum()),
    )
    ok = feed.rows[~missing] if missing.any() else feed.rows
    rows = pd.DataFrame(
        {
            "line": ok["row"].to_numpy(),
            "platform_id": ids[~missing].astype("int64"),
            "uscc": ok["uscc"].array,
            "day": ok["day"].array,
            "records": ok["records"].to_numpy(),
            "batches": ok["batches"].to_numpy(),
            "items": ok["items"].to_numpy(),
        }
    )
    known_named = pd.Series(named).dropna()
    if (
        known_named.duplicated().any()
    ):  # one platform named two ways in this file: the reader could not compare
        rows, repeats = _repeats_named_apart(rows, feed.column_name("date"))
        problems = pd.concat([problems, repeats], ignore_index=True)
    return rows, pd.concat([feed.problems, problems], ignore_index=True) if len(problems) else feed.problems


def _repeats_named_apart(rows: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of one platform, enterprise and day where the platform is named by its code in one and
    by its Chinese name in another. The reader finds repeats by the text as written
    (``files.platform_feed``); these it cannot see, and they are as ambiguous: each is a problem,
    worded as the reader's, and only the first is staged."""
    key = ["platform_id", "uscc", "day"]
    repeated = rows.duplicated(key, keep="first").to_numpy()
    first_line = rows.groupby(key, sort=False)["line"].transform("first")
    problems = problem_frame(
        rows.loc[repeated, "line"], column, rows.loc[repeated, "day"], "repeated", first_line[repeated]
    )
    return rows[~repeated], problems


def _platform_codes(rows: pd.DataFrame, known: pd.DataFrame) -> list[str]:
    """The codes of the platforms the staged rows name, sorted."""
    code_of = dict(zip(known["id"], known["code"], strict=True))
    return sorted(code_of[int(i)] for i in pd.unique(rows["platform_id"]))


def _reject(feed: Feed, problems: pd.DataFrame, unknown: pd.DataFrame) -> None:
    """Raise :class:`FeedRejected` with every problem, the unknown credit codes among them."""
    if len(unknown):
        problems = pd.concat([problems, _unknown_problems(feed, unknown)], ignore_index=True)
    raise FeedRejected(feed.file, problems.sort_values(["row", "column"], kind="stable", ignore_index=True))


def _unknown_problems(feed: Feed, unknown: pd.DataFrame) -> pd.DataFrame:
    return problem_frame(unknown["line"], feed.column_name("uscc"), unknown["uscc"], "unknown_uscc")


def _previous(session, sha256: str) -> str | None:
    row = session.execute(
        select(m.AuditLog.at, m.AuditLog.actor)
        .where(m.AuditLog.action == ACTION, m.AuditLog.entity_id == sha256)
        .order_by(m.AuditLog.id.desc())
        .limit(1)
    ).first()
    return Message("cli.summary.previous", at=f"{row.at:%Y-%m-%d %H:%M}", actor=row.actor) if row else None


__all__ = ["FeedRejected", "IngestSummary", "UnreadableFeed", "ingest_feed", "list_platforms", "read_feed"]


def export_feed(engine: Engine, actor: Actor) -> bytes:
    """Every recorded upload as a feed in JSON Lines, which :func:`ingest_feed` reads back unchanged.

    One line per platform, enterprise and day, in that order, with the platform's code and the
    enterprise's credit code; ``batches`` and ``items`` only where the record has them. Needs
    ``register.export``; writes one audit row (a disclosure of the record).
    """
    require(actor, "register.export")
    up = m.PlatformUpload
    with transaction(engine) as session:
        rows = session.execute(
            select(m.Platform.code, m.Enterprise.uscc, up.day, up.records, up.batches, up.items)
            .join(m.Platform, m.Platform.id == up.platform_id)
            .join(m.Enterprise, m.Enterprise.id == up.enterprise_id)
            .order_by(m.Platform.code, m.Enterprise.uscc, up.day)
        ).all()
        lines = [_feed_line(row) for row in rows]
        record_audit(
            session, actor=actor.username, action="platform.export", entity="platform_upload",
            after={"rows": len(lines), "format": "jsonl"},
        )  # fmt: skip
    return "".join(lines).encode("utf-8")


def _feed_line(row) -> str:
    line = {"platform": row.code, "uscc": row.uscc, "date": row.day.isoformat(), "records": int(row.records)}
    if row.batches is not None:
        line["batches"] = int(row.batches)
    if row.items is not None:
        line["items"] = {name: bool(int(row.items) >> i & 1) for i, name in enumerate(m.TRACE_ITEMS)}
    return json.dumps(line, ensure_ascii=False) + "\n"
