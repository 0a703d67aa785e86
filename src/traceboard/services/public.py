"""The published record assembled for the public: the site and the look-up.

Loads only public facts (data.public_record) and applies the pure look-up
and site functions. Source: issue #7 "The public site", "Public look-up".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from traceboard.blacklist.lookup import answer_lookup, summarise_enterprises
from traceboard.blacklist.site import SiteRecord, SiteSettings, render_site
from traceboard.data.blacklist_store import load_alerts
from traceboard.data.platform_store import latest_uploads
from traceboard.data.public_record import (
    latest_public_date,
    load_public_cases,
    load_public_enterprises,
    load_published_results,
    load_trace_events,
)
from traceboard.data.sampling_store import load_draw, load_draws, load_plans
from traceboard.data.vocabulary import RESULT_LABELS
from traceboard.files.sampling_files import verifier_source
from traceboard.sampling.manifest import dump_manifest


def label_results(results: pd.DataFrame) -> pd.DataFrame:
    """Add ``result_label``: the published Chinese wording of each result code."""
    out = results.copy()
    out["result_label"] = out["result"].map(RESULT_LABELS)
    return out


def site_as_of(engine: Engine) -> dt.date:
    """The site's "data as of" date: the latest published fact (so the same record gives the same
    date); 2018-01-01 (the programme's first year) for an empty record."""
    return latest_public_date(engine) or dt.date(2018, 1, 1)


def build_site_record(engine: Engine, as_of: dt.date | None = None, settings: SiteSettings | None = None):
    """The SiteRecord of the whole published record at ``as_of`` (default: :func:`site_as_of`)."""
    day = as_of or site_as_of(engine)
    enterprises = load_public_enterprises(engine)
    cases = load_public_cases(engine)
    results = label_results(load_published_results(engine))
    summary = summarise_enterprises(enterprises, load_trace_events(engine), cases, results, day)
    alerts = load_alerts(engine, ("published", "withdrawn"))
    return SiteRecord(
        day,
        alerts,
        cases,
        results,
        summary,
        settings or SiteSettings(),
        public_draws(engine),
        verifier_source(),
    )


def public_draws(engine: Engine) -> list[dict[str, Any]]:
    """Every draw's public facts, newest first: its commitment (seed and list hashes) from the
    moment it is committed; after the reveal also its manifest (bytes, as the page offers it)."""
    plans = {p["id"]: p for p in load_plans(engine)}
    out = []
    for row in load_draws(engine).itertuples():
        plan = plans.get(row.plan_id) if pd.notna(row.plan_id) else None
        draw = load_draw(engine, int(row.id))
        out.append(
            {
                "id": int(row.id),
                "what": f"{plan['name']}（{plan['department']}）第 {row.batch} 批" if plan else "临时抽取",
                "spec": draw.spec,
                "committed_at": row.committed_at,
                "drawn_at": row.drawn_at if row.status == "drawn" else None,
                "seed_sha256": row.seed_sha256,
                "list_sha256": row.candidates_sha256,
                "manifest": dump_manifest(draw.manifest) if row.status == "drawn" else None,
            }
        )
    return out


def build_site(engine: Engine, as_of: dt.date | None = None, settings: SiteSettings | None = None):
    """The public site's files (relative path → bytes) for the record."""
    return render_site(build_site_record(engine, as_of, settings))


def look_up(
    engine: Engine, query: str, as_of: dt.date | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The public answer for a credit code or a name fragment (see lookup.answer_lookup)."""
    if not query.strip():
        return []
    day = as_of or dt.date.today()
    enterprises = load_public_enterprises(engine, query)
    ids = [int(i) for i in enterprises["id"]]
    cases = load_public_cases(engine, ids)
    results = label_results(load_published_results(engine, ids))
    summary = summarise_enterprises(enterprises, load_trace_events(engine, ids), cases, results, day)
    alerts = load_alerts(engine, ("published",))
    answers = answer_lookup(query, summary, cases, results, limit, alerts)
    latest = latest_uploads(engine, [a["enterprise_id"] for a in answers], day)
    for answer in answers:  # the platforms' evidence: the newest upload of traceability data
        answer["last_upload"] = latest.get(answer["enterprise_id"])
    return answers


PASSED_RESULTS = ("no_problem",)


def failed_checks_since(engine: Engine, since: dt.date, sector: str | None = None) -> list[dict[str, Any]]:
    """Published failed check results checked on or after ``since`` (in sector code ``sector``),
    oldest first, as dicts for :func:`traceboard.blacklist.alerts.draft_from_checks`."""
    results = label_results(load_published_results(engine))
    failed = results[~results["result"].isin(PASSED_RESULTS) & (results["checked_on"] >= since)]
    if sector:
        failed = failed[failed["sector_code"] == sector]
    return failed.sort_values(["checked_on", "id"]).to_dict("records")
