"""The public site as strings: what ``traceboard publish --out DIR`` writes.

Source: issue #7 "The public site". Input is the published record (plain
values, see :class:`SiteRecord`); output maps a relative path to its bytes.
Same record, same bytes: nothing depends on the clock — the one date shown
("数据截至") is ``SiteRecord.as_of``, which the caller derives from the record.
Every text is escaped for its context: HTML by Jinja2's autoescape, Atom by
XML escaping, JSON inside ``<script>`` with ``<``, ``>``, ``&`` as ``\\u`` escapes,
CSV with formula injection neutralised (data.tables).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from traceboard.blacklist.lookup import public_cases
from traceboard.blacklist.site_templates import ATOM, HTML_TEMPLATES
from traceboard.data.text_rules import printable
from traceboard.data.vocabulary import CASE_LABELS, SEVERITY_LABELS
from traceboard.files.tables import to_csv_bytes

LATEST_ALERTS = 10
CASE_FIELDS = [
    "name",
    "uscc",
    "status",
    "listed_on",
    "published_on",
    "grounds",
    "legal_basis",
    "authority",
    "remedies",
    "removed_on",
    "removal_reason",
    "removal_authority",
]
CSV_HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "状态",
    "列入日期",
    "公布日期",
    "事由",
    "法律依据",
    "决定机关",
    "权利救济的期限和途径",
    "移出日期",
    "移出原因",
    "移出决定机关",
]


@dataclass(frozen=True)
class SiteSettings:
    city: str = "湘乡市"
    publisher: str = "湘乡市重要产品追溯体系建设工作领导小组办公室"
    feed_id: str = "urn:traceboard:430381:alerts"
    base_url: str = ""


@dataclass
class SiteRecord:
    """The published record: alerts (dicts), public cases, published results, the look-up summary,
    the draws (commitments; after the reveal, with ``manifest`` bytes) and the draws' verifier."""

    as_of: dt.date
    alerts: list[dict[str, Any]]
    cases: pd.DataFrame
    results: pd.DataFrame
    summary: pd.DataFrame
    settings: SiteSettings = field(default_factory=SiteSettings)
    draws: list[dict[str, Any]] = field(default_factory=list)
    verifier: bytes = b""


def _iso(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def to_script_json(value: Any) -> str:
    """JSON safe inside an HTML <script> element: no '<', '>', '&', U+2028/9 left raw."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def to_json_bytes(value: Any) -> bytes:
    """Pretty, key-sorted UTF-8 JSON ending in a newline (stable bytes)."""
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def shape_alerts(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Published (and withdrawn-after-publication) alerts, newest first, with display fields."""
    shown = [
        a for a in alerts if a.get("published_on") is not None and a["state"] in ("published", "withdrawn")
    ]
    shown = sorted(shown, key=lambda a: (a["published_on"], a["id"]), reverse=True)
    return [_alert_fields(a) for a in shown]


def _alert_fields(a: dict[str, Any]) -> dict[str, Any]:
    changed = a.get("withdrawn_on") or a["published_on"]
    return {
        "id": int(a["id"]),
        "title": a["title"],
        "body": a["body"],
        "sector": a.get("sector") or "",
        "severity": a["severity"],
        "severity_label": SEVERITY_LABELS.get(a["severity"], a["severity"]),
        "state": a["state"],
        "published_on": _iso(a["published_on"]),
        "withdrawn_on": _iso(a.get("withdrawn_on")),
        "withdrawn_reason": a.get("withdrawn_reason") or "",
        "enterprises": sorted(a.get("enterprises", []), key=lambda e: e["uscc"]),
        "published_at": f"{_iso(a['published_on'])}T00:00:00+08:00",
        "updated_at": f"{_iso(changed)}T00:00:00+08:00",
    }


def shape_cases(cases: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(current, removed) public cases as display dicts; current by listing date, newest first."""
    shown = public_cases(cases)
    rows = []
    for c in shown.sort_values(["listed_on", "uscc"], ascending=[False, True]).to_dict("records"):
        row = {k: _iso(c.get(k)) if k.endswith("_on") else (c.get(k) or "") for k in CASE_FIELDS}
        row["status"] = CASE_LABELS[c["state"]]
        row["state"] = c["state"]
        rows.append(row)
    return [r for r in rows if r["state"] == "published"], [r for r in rows if r["state"] != "published"]


def render_site(record: SiteRecord) -> dict[str, bytes]:
    """All files of the public site: relative path → bytes (see module docstring)."""
    env = Environment(
        loader=DictLoader(HTML_TEMPLATES), autoescape=True, undefined=StrictUndefined, finalize=_printable
    )
    site = {**record.settings.__dict__, "as_of": record.as_of.isoformat()}
    alerts = shape_alerts(record.alerts)
    current, removed = shape_cases(record.cases)
    results = _result_rows(record.results)
    page = lambda name, root="", **values: _html(env, name, site=site, root=root, **values)  # noqa: E731
    files = {
        "index.html": page(
            "index.html",
            alerts=alerts[:LATEST_ALERTS],
            current=current,
            index_json=Markup(_index_json(record.summary)),  # escaped for <script> by to_script_json
            alert_json=Markup(_alert_index_json(alerts)),
            enterprise_count=len(record.summary),
        ),
        "blacklist.html": page("blacklist.html", current=current, removed=removed),
        "results.html": page("results.html", results=results),
        "draws.html": page("draws.html", draws=[_draw_fields(d) for d in record.draws]),
        "draw-howto.html": page("draw-howto.html"),
        "alerts.atom": render_atom(alerts, site),
        "alerts.json": to_json_bytes({"as_of": site["as_of"], "alerts": [_public_alert(a) for a in alerts]}),
        "blacklist.json": to_json_bytes({"as_of": site["as_of"], "current": current, "removed": removed}),
        "blacklist.csv": _cases_csv(current + removed),
    }
    for a in alerts:
        files[f"alerts/{a['id']}.html"] = page("alert.html", root="../", a=a)
    drawn = [d for d in record.draws if d.get("manifest")]
    for d in drawn:  # published after the reveal: the manifest and the verifier that redoes it
        files[f"draws/manifest-{d['id']}.json"] = d["manifest"]
    if drawn:
        files["draws/verify_manifest.py"] = record.verifier
    return dict(sorted(files.items()))


def _printable(value: Any) -> Any:
    # Every value a page or the feed shows: no control characters (an ESC would make the feed
    # ill-formed XML), whatever an older record holds.
    if isinstance(value, Markup):
        return Markup(printable(str(value)))
    return printable(value) if isinstance(value, str) else value


def _html(env: Environment, name: str, **values: Any) -> bytes:
    return env.get_template(name).render(**values).encode("utf-8")


def render_atom(alerts: list[dict[str, Any]], site: dict[str, Any]) -> bytes:
    """The alerts as an Atom 1.0 feed (RFC 4287); ``updated`` is the newest entry's, else as_of."""
    env = Environment(autoescape=True, undefined=StrictUndefined, finalize=_printable)
    newest = max((a["updated_at"] for a in alerts), default=f"{site['as_of']}T00:00:00+08:00")
    return env.from_string(ATOM).render(alerts=alerts, site=site, updated=newest).encode("utf-8")


def _public_alert(a: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "body", "sector", "severity", "state", "published_on", "withdrawn_on")
    return {
        **{k: a[k] for k in keys},
        "withdrawn_reason": a["withdrawn_reason"],
        "enterprises": a["enterprises"],
    }


def _draw_fields(d: dict[str, Any]) -> dict[str, Any]:
    """One draw as the 抽查公示 page shows it; the seed only once it has been revealed."""
    manifest = json.loads(d["manifest"]) if d.get("manifest") else None
    strata = manifest["strata"] if manifest else []
    return {
        "id": int(d["id"]),
        "what": d["what"],
        "spec": d["spec"],
        "committed_at": f"{d['committed_at']:%Y-%m-%d %H:%M}",
        "drawn_at": f"{d['drawn_at']:%Y-%m-%d %H:%M}" if manifest else "",
        "list_sha256": d["list_sha256"],
        "seed_sha256": d["seed_sha256"],
        "seed": manifest["seed"] if manifest else "",
        "drawn": sum(len(s["drawn"]) for s in strata),
        "strata": len(strata),
    }


def _result_rows(results: pd.DataFrame) -> list[dict[str, Any]]:
    ordered = results.sort_values(["published_on", "checked_on", "id"], ascending=False)
    keys = ("name", "uscc", "checked_on", "department", "result_label", "published_on")
    return [{k: _iso(r[k]) if k.endswith("_on") else r[k] for k in keys} for r in ordered.to_dict("records")]


def _index_json(summary: pd.DataFrame) -> str:
    rows = [
        [
            r["uscc"],
            r["name"],
            int(r["traceable"]),
            int(r["blacklisted"]),
            _iso(r["last_result"]),
            _iso(r["last_checked_on"]),
        ]
        for r in summary.to_dict("records")
    ]
    return to_script_json(rows)


def _alert_index_json(alerts: list[dict[str, Any]]) -> str:
    """The look-up's consumer alerts: credit code → [[id, title, published_on], …] of the published
    (not withdrawn) alerts that name the enterprise, newest first."""
    named: dict[str, list[list[Any]]] = {}
    for a in alerts:  # shaped: newest first
        if a["state"] != "published":
            continue
        for e in a["enterprises"]:
            named.setdefault(e["uscc"], []).append([a["id"], a["title"], a["published_on"]])
    return to_script_json(named)


def _cases_csv(rows: list[dict[str, Any]]) -> bytes:
    frame = pd.DataFrame([[r[k] for k in CASE_FIELDS] for r in rows], columns=CSV_HEADERS, dtype=object)
    return to_csv_bytes(frame)
