"""The random checks wired together: data loaders → pure sampling functions → data writers.

Shared by ``traceboard draw`` and the 双随机抽查 page so that both produce the
same numbers with the same calls; no click and no streamlit here. The acts
that are one store transaction each (saving a plan, committing and revealing
a draw, recording and publishing results) are exposed here as the stores
define them, so the faces reach the record only through this module.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from traceboard.data import inspection_store, sampling_store
from traceboard.data.frame import RegisterFrame, to_day
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.data.inspection_store import (  # noqa: F401  (re-exported for the faces)
    load_assignments,
    load_drawn_checks,
    load_inspections,
    publish_results,
    record_results,
)
from traceboard.data.models import INSPECTION_RESULTS
from traceboard.data.sampling_frames import (
    department_ids,  # noqa: F401  (re-exported for the faces)
    load_blacklist_days,
    load_checks,
    load_conflicts,
    load_inspectors,
)
from traceboard.data.sampling_store import (  # noqa: F401  (re-exported for the faces)
    SamplingRecordError,
    commit_draw,
    load_draw,
    load_draws,
    load_latest_risk_run,
    load_manifest,
    load_plans,
    reveal_draw,
    run_oneoff_draw,
    save_plan,
)
from traceboard.files import sampling_files
from traceboard.i18n import Message
from traceboard.sampling import ceremony, plans, results
from traceboard.sampling.estimates import estimate_shares
from traceboard.sampling.frames import build_draw_frame, build_sampling_frame, upload_rows
from traceboard.sampling.risk_features import check_features, current_features
from traceboard.sampling.spec import SPEC, DrawRefused
from traceboard.workdays import publication_due

RESULT_CODES = list(INSPECTION_RESULTS)


def sampling_frame(engine: Engine, on: dt.date, frame: RegisterFrame | None = None) -> pd.DataFrame:
    """The sampling frame at ``on`` (pass a cached register ``frame`` to skip reloading it)."""
    frame = frame if frame is not None else open_register_frame(engine)
    return build_sampling_frame(frame, load_checks(engine), load_blacklist_days(engine), to_day(on))


def find_plan(engine: Engine, plan_id: int) -> dict:
    plan = next((p for p in sampling_store.load_plans(engine) if p["id"] == plan_id), None)
    if plan is None:
        raise DrawRefused(Message("refusals.no_plan", plan=plan_id))
    return plan


def freeze(engine: Engine, scope: dict, frame: RegisterFrame | None = None) -> tuple[dict, dict | None]:
    """The frozen draw for a plan batch (``plan_id``) or a one-off draw (``ratio``); and the plan."""
    on = scope.get("on")
    on = on.date() if isinstance(on, dt.datetime) else on or dt.date.today()
    home = not scope.get("no_home_recusal", False)
    if scope.get("plan_id"):
        plan = find_plan(engine, scope["plan_id"])
        before = sampling_store.drawn_in_plan(engine, plan["id"])
        sf = sampling_frame(engine, on, frame)
        candidates = plans.select_plan_candidates(sf, plan, to_day(on), before)
        ratios = plan["ratios"]
    elif scope.get("ratio") is not None:
        plan = None
        frame = frame if frame is not None else open_register_frame(engine)
        sf = build_draw_frame(frame, load_blacklist_days(engine))
        candidates = plans.select_oneoff_candidates(
            sf, to_day(on), scope["stratum_by"], scope["sectors"], scope["townships"]
        )
        ratios = {"*": scope["ratio"]}
    else:
        raise DrawRefused(Message("refusals.draw_what"))
    frozen = ceremony.freeze_draw(
        candidates, ratios, load_inspectors(engine), load_conflicts(engine), home, scope.get("spec", SPEC)
    )
    return frozen, plan


def frozen_list_bytes(frozen: dict, list_hash: str, seed_sha256: str) -> bytes:
    """The list to publish at commit: spec, hashes, each stratum's ratio, N and sorted candidates."""
    strata = [
        {
            "stratum": s["stratum"],
            "ratio": s["ratio"],
            "N": len(s["candidates"]),
            "candidates": s["candidates"],
        }
        for s in frozen["strata"]
    ]
    payload = {
        "spec": frozen["spec"],
        "list_sha256": list_hash,
        "seed_sha256": seed_sha256.strip().lower(),
        "strata": strata,
    }
    return (json.dumps(payload, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def drawn_counts(manifest: dict) -> tuple[int, int]:
    """(enterprises drawn, strata) of a manifest."""
    return sum(len(s["drawn"]) for s in manifest["strata"]), len(manifest["strata"])


def due_on(engine: Engine, draw_id: int) -> dt.date | None:
    """Checks of a plan's draw are due by the end of the plan's year; one-off draws have no deadline."""
    row = sampling_store.load_draw(engine, draw_id)
    if row is None or row.plan_id is None:
        return None
    return plan_due_on(find_plan(engine, row.plan_id))


def plan_due_on(plan: dict | None) -> dt.date | None:
    return dt.date(plan["year"], 12, 31) if plan else None


def publish_by(checked_on: dt.date) -> dt.date:
    return publication_due(checked_on)


def checklist_bytes(
    engine: Engine, draw_id: int, suffix: str, department: str | None = None, pair: str | None = None
) -> bytes:
    """The check lists of a draw as .xlsx or .pdf: all departments or one, all inspector pairs or
    one (``pair``: the two inspectors joined by 、, as :func:`results.checklists_by_pair` keys them)."""
    row = sampling_store.load_draw(engine, draw_id)
    if row is None or row.status != "drawn":
        raise DrawRefused(Message("refusals.draw_not_drawn", draw=draw_id))
    assignments = inspection_store.load_assignments(engine, draw_id)
    if department:
        assignments = assignments[assignments["department"] == department]
    if pair:
        assignments = assignments[assignments["inspectors"].map(lambda p: "、".join(sorted(p))) == pair]
    if assignments.empty:
        whom = " ".join(filter(None, (department, pair)))
        if not whom:
            raise DrawRefused(Message("refusals.draw_no_checks", draw=draw_id))
        raise DrawRefused(Message("refusals.draw_no_checks_for", draw=draw_id, whom=whom))
    items = find_plan(engine, row.plan_id)["check_items"] if row.plan_id else plans.DEFAULT_CHECK_ITEMS
    drawn_on = row.drawn_at.date()
    name = department or "、".join(sorted(assignments["department"].unique()))
    by_pair = {
        k: results.checklist_table(v, items, drawn_on)
        for k, v in results.checklists_by_pair(assignments).items()
    }
    if suffix == ".xlsx":
        return sampling_files.checklist_xlsx(
            name, by_pair, results.checklist_table(assignments, items, drawn_on)
        )
    info = {
        "检查事项": "、".join(items),
        "抽取日期": str(drawn_on),
        "抽取编号": f"{draw_id}（{row.candidates_sha256[:16]}…）",
    }
    return sampling_files.checklist_pdf(name, by_pair, info)


def results_bytes(
    engine: Engine, draw_id: int | None, suffix: str, now: dt.datetime | None = None
) -> tuple[bytes, int]:
    table = results.results_table(inspection_store.load_assignments(engine, draw_id))
    now = now or dt.datetime.now(dt.UTC)
    title = sampling_files.RESULTS_TITLE
    if suffix == ".csv":
        return sampling_files.results_csv(table), len(table)
    writer = sampling_files.results_json if suffix == ".json" else sampling_files.results_html
    return writer(table, title, now), len(table)


def overdue_lines(engine: Engine, today: dt.date) -> list[str]:
    late = results.pending_publication(
        inspection_store.load_inspections(engine, awaiting_publication=True), today
    )
    late = late[late["overdue"]]
    if late.empty:
        return ["no check is overdue for publication"]
    return [
        f"{r.inspection_id}\t{r.uscc}\t{r.enterprise}\t{r.department}\t"
        f"checked {r.checked_on}\tdue {r.publish_by}"
        for r in late.itertuples()
    ]


def train_and_store(
    engine: Engine, actor, on: dt.date, random_state: int = 0, frame=None
) -> tuple[dict, int]:
    """Train the risk model on every check, class every enterprise at ``on``, store both."""
    from traceboard.sampling.risk_model import fit_risk_classes  # scikit-learn takes ~1.5 s to import

    frame = frame if frame is not None else open_register_frame(engine)
    sf = sampling_frame(engine, on, frame)
    checks = load_checks(engine)
    checks = checks[checks["day"] < to_day(on)]
    uploads = upload_rows(frame)  # silence and item completeness, from the platforms' feeds
    features = check_features(sf, checks, uploads)
    current = current_features(sf, checks, to_day(on), uploads)
    report, classes = fit_risk_classes(features, current, sf["blacklisted"].to_numpy(), random_state)
    report["as_of"] = on.isoformat()
    report["enterprises"] = {
        str(i): [c, None if pd.isna(p) else round(float(p), 4), r]
        for i, c, p, r in zip(
            sf["id"], classes["risk_class"], classes["probability"], classes["reasons"], strict=True
        )
    }
    run_id = sampling_store.save_risk_classes(engine, actor, report, classes.assign(id=sf["id"].to_numpy()))
    return report, run_id


def report_lines(report: dict, run_id: int) -> list[str]:
    lines = [f"risk model run {run_id}: method {report['method']}, {report['checks']} checks"]
    v = report.get("validation")
    if v:
        lines.append(
            f"trained {v['train_years'][0]}–{v['train_years'][1]}, "
            f"tested on {v['test_year']} ({v['test_checks']} checks): "
            f"ROC AUC {v['roc_auc']:.3f}, Brier {v['brier']:.4f} (base rate {v['brier_base_rate']:.4f}), "
            f"top 20 % finds {v['top20_found']:.1%} of problems (random 20.0 %, lift {v['top20_lift']:.2f})"
        )
    else:
        lines.append("too few results to learn from: rule-based classes (said as such)")
    lines.append("classes: " + ", ".join(f"{c} {n}" for c, n in report["class_counts"].items()))
    return lines


def estimate_population(
    engine: Engine, draw_id: int, frame: RegisterFrame | None = None
) -> tuple[pd.DataFrame, dict]:
    """A drawn draw's candidates (stratum, id, domain: the sector) and the latest risk model's mean
    prediction per sector: what the estimates weigh the checks by, unchanged by a recorded result."""
    row = sampling_store.load_candidates(engine, draw_id)
    if row is None or row[0] != "drawn":
        raise DrawRefused(Message("refusals.draw_not_drawn", draw=draw_id))
    frame = frame if frame is not None else open_register_frame(engine)
    strata = row[1]
    ids = np.concatenate([np.asarray(s["ids"], dtype=np.int64) for s in strata]) if strata else []
    # the labels repeated as objects: repeated as a NumPy text array, a million of them were
    # turned into objects again by the DataFrame
    labels = np.asarray([s["stratum"] for s in strata], dtype=object) if strata else []
    population = pd.DataFrame({"stratum": np.repeat(labels, [len(s["ids"]) for s in strata]), "id": ids})
    population["domain"] = _sectors_of(frame.enterprises, population["id"])
    return population, _predicted_by_sector(engine, population)


def _sectors_of(enterprises: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """The sector of each id as text (NaN for an id not in the register), looked up by position
    and the sector column's category codes: a million candidates without turning a million
    sectors into text first (docs/frame.md)."""
    sector = enterprises["sector"]
    if not isinstance(sector.dtype, pd.CategoricalDtype):
        sector = sector.astype("category")
    where = pd.Index(enterprises["id"]).get_indexer(ids)
    codes = sector.cat.codes.to_numpy()[where]
    names = np.asarray([str(c) for c in sector.cat.categories], dtype=object)
    known = (where >= 0) & (codes >= 0)
    out = np.full(len(where), np.nan, dtype=object)
    out[known] = names[codes[known]]
    return out


def estimates_table(
    engine: Engine,
    draw_id: int,
    frame: RegisterFrame | None = None,
    population: tuple[pd.DataFrame, dict] | None = None,
    assignments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Horvitz–Thompson share with problems per sector of a drawn draw, beside the model's prediction.

    ``population`` (:func:`estimate_population`) is read when not given; ``assignments`` (the
    draw's checks with their results), when given, are weighed, else only the checked ones are read
    (:func:`inspection_store.load_checked`: the same rows)."""
    candidates, predicted = population or estimate_population(engine, draw_id, frame)
    if assignments is not None:
        done = assignments.dropna(subset=["result"])
    else:
        done = inspection_store.load_checked(engine, draw_id)
    sample = pd.DataFrame(
        {"stratum": done["stratum"], "domain": done["sector"], "problem": done["result"] != "no_problem"}
    )
    table = estimate_shares(candidates, sample)
    return table.assign(predicted=table["domain"].map(predicted))


def _predicted_by_sector(engine: Engine, population: pd.DataFrame) -> dict:
    run = sampling_store.load_latest_risk_run(engine)
    if run is None or run["method"] != "logistic":
        return {}
    ids, probability = sampling_store.risk_probabilities(engine, run["id"])
    where = pd.Index(ids).get_indexer(population["id"])
    found = where >= 0  # an enterprise the run did not class: no prediction (NaN)
    values = np.full(len(where), np.nan)
    values[found] = probability[where[found]]
    p = pd.Series(values, index=population.index)
    return p.groupby(population["domain"]).mean().to_dict()


def estimate_lines(engine: Engine, draw_id: int) -> list[str]:
    table = estimates_table(engine, draw_id)
    lines = ["sector\tN\tchecked\tproblems\tshare\t95% interval\tmodel"]
    for r in table.itertuples():
        interval = "—" if pd.isna(r.ci_low) else f"{r.ci_low:.1%}–{r.ci_high:.1%}"
        share = "—" if pd.isna(r.share) else f"{r.share:.1%}"
        model = "—" if pd.isna(r.predicted) else f"{r.predicted:.1%}"
        lines.append(f"{r.domain}\t{r.N}\t{r.checked}\t{r.problems}\t{share}\t{interval}\t{model}")
    return lines


EDITOR_COLUMNS = [
    "assignment_id",
    "enterprise",
    "uscc",
    "checked_on",
    "result",
    "findings",
    "rectification_due_on",
    "rectified_on",
]
DATE_FIELDS = ("checked_on", "rectification_due_on", "rectified_on")


def result_editor_frame(assignments: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The rows of the result editor: results shown by their label ("" when none), dates as dates
    (None when empty)."""
    frame = assignments.assign(result=assignments["result"].map(labels))
    frame = frame[EDITOR_COLUMNS].reset_index(drop=True)
    for field in DATE_FIELDS:  # only the few checks with a result have dates to turn
        values = frame[field].tolist()
        frame[field] = [None if v is None else _as_date(v) for v in values]
    # no result or finding yet is an empty cell, not the word "None"
    return frame.astype({"findings": object, "result": object}).fillna({"findings": "", "result": ""})


def _as_date(value) -> dt.date | None:
    if isinstance(value, str):  # the data editor hands edited dates back as ISO text
        return dt.date.fromisoformat(value[:10]) if value.strip() else None
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, dt.datetime | pd.Timestamp) else value


def changed_results(before: pd.DataFrame, after: pd.DataFrame, labels: dict[str, str]) -> list[dict]:
    """Rows of the editor that changed, as ``record_results`` takes them (labels back to codes).

    A changed row must carry a result and a check date; one without is refused
    by ``record_results`` with its assignment named.
    """
    codes = {label: code for code, label in labels.items()}
    out = []
    for old, new in zip(before.to_dict("records"), after.to_dict("records"), strict=True):
        new = {**new, **{f: _as_date(new[f]) for f in DATE_FIELDS}}
        new["findings"] = (
            None
            if new["findings"] is None or pd.isna(new["findings"]) or new["findings"] == ""
            else new["findings"]
        )
        if all(_same(old[c], new[c]) for c in EDITOR_COLUMNS):
            continue
        out.append(
            {
                "assignment_id": int(new["assignment_id"]),
                **{f: new[f] for f in DATE_FIELDS},
                "result": codes.get(new["result"] or ""),
                "findings": new["findings"],
            }
        )
    return out


def _same(a, b) -> bool:
    """Equal, counting None, NaN and the empty text the editor shows for them as one."""
    missing = lambda v: v is None or v == "" or (not isinstance(v, str | dt.date) and pd.isna(v))  # noqa: E731
    return (missing(a) and missing(b)) or a == b


def calibration_frame(validation: dict) -> pd.DataFrame:
    return pd.DataFrame(validation["calibration"])


def risk_of(
    engine: Engine, run_id: int, frame: RegisterFrame, uscc: str
) -> tuple[str, float | None, list[str]] | None:
    """An enterprise's class, calibrated probability and reason codes in risk run ``run_id``, or None."""
    match = frame.enterprises.loc[frame.enterprises["uscc"] == uscc, "id"]
    entry = sampling_store.risk_entry(engine, run_id, int(match.iloc[0])) if len(match) else None
    return None if entry is None else (entry[0], entry[1], entry[2])


def percent_text(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Shares as "12.3%" text, "—" where there is no estimate (shown as such, not as 0 or None)."""
    return table.assign(**{c: table[c].map(lambda v: "—" if pd.isna(v) else f"{v:.1%}") for c in columns})
