"""Parts of the 双随机抽查 page: the plan editor and the draw ceremony (commit → reveal → result).

Each part reads widgets, calls the same functions as ``traceboard draw`` and renders.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from traceboard.accounts.authz import PermissionDenied
from traceboard.dashboard import widgets
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import t
from traceboard.data.text_rules import TextRejected
from traceboard.files import sampling_files
from traceboard.sampling import ceremony, plans
from traceboard.sampling.assign import NoValidPair
from traceboard.sampling.manifest import dump_manifest
from traceboard.sampling.spec import SPECS, DrawRefused
from traceboard.services import sampling as support

REFUSALS = (DrawRefused, NoValidPair, support.SamplingRecordError, PermissionDenied, TextRejected)
PAGE = "sampling"


def attempt(act, message_key: str, **values):
    """Run an act of this page (see :func:`widgets.attempt`)."""
    return widgets.attempt(PAGE, REFUSALS, act, message_key, **values)


def show_flash() -> None:
    widgets.show_flash(PAGE)


def show_table(frame: pd.DataFrame, columns: list[str], prefix: str, **config) -> None:
    widgets.show_table(frame, columns, prefix + ".col_{column}", "sampling.none", **config)


def plan_editor(engine, actor, frame, year: int) -> None:
    """Pick a plan or start a new one; edit scope, items, ratios, exclusions, batches; save."""
    existing = support.load_plans(engine)
    labels = {p["id"]: f"{p['id']} · {p['name']}" for p in existing}
    choice = st.selectbox(
        t("sampling.plan.choose"), [0, *labels], format_func=lambda i: labels.get(i, t("sampling.plan.new"))
    )
    departments = sorted(support.department_ids(engine))
    plan = next((p for p in existing if p["id"] == choice), None) or plans.new_plan(departments[0], year)
    with st.form(f"plan_{choice}"):
        edited = _plan_fields(plan, departments, frame)
        if st.form_submit_button(t("sampling.plan.save"), disabled=not actor.can("sampling.plan")):
            attempt(
                lambda: support.save_plan(engine, actor, plans.validate_plan(edited), choice or None),
                "sampling.saved",
            )


def _plan_fields(plan: dict, departments: list[str], frame) -> dict:
    scope, excl = plan["scope"], plan["exclusions"]
    dept = st.selectbox(
        t("sampling.plan.department"), departments, index=departments.index(plan["department"])
    )
    left, right = st.columns(2)
    year = left.number_input(t("sampling.plan.year"), 2017, 2100, int(plan["year"]))
    name = right.text_input(t("sampling.plan.name"), plan["name"])
    sectors = st.multiselect(
        t("sampling.plan.sectors"),
        frame.sectors["name"].tolist(),
        scope.get("sectors", []),
        placeholder=t("common.choose"),
    )
    towns = st.multiselect(
        t("sampling.plan.townships"),
        frame.townships["name"].tolist(),
        scope.get("townships", []),
        placeholder=t("common.choose"),
    )
    trace_only = st.checkbox(t("sampling.plan.traceability_only"), scope.get("traceability_only", True))
    items = st.text_area(t("sampling.plan.items"), "\n".join(plan["check_items"]))
    st.markdown(f"**{t('sampling.plan.ratios')}**")
    cols = st.columns(4)
    ratios = {
        c: col.number_input(c, 0.0, 1.0, float(plan["ratios"][c]), 0.01, format="%.2f", key=f"ratio_{c}")
        for c, col in zip(plans.CLASSES, cols, strict=True)
    }
    st.markdown(f"**{t('sampling.plan.exclusions')}**")
    left, right, third = st.columns(3)
    checked = left.number_input(
        t("sampling.plan.checked_within"), 0, 120, int(excl.get("checked_within_months", 0))
    )
    young = right.number_input(
        t("sampling.plan.registered_within"), 0, 120, int(excl.get("registered_within_months", 0))
    )
    batches = third.number_input(t("sampling.plan.batches"), 1, 12, int(plan.get("batches", 1)))
    return {
        "department": dept,
        "year": int(year),
        "name": name,
        "scope": {"sectors": sectors, "townships": towns, "traceability_only": trace_only},
        "check_items": [line.strip() for line in items.splitlines() if line.strip()],
        "ratios": ratios,
        "exclusions": {"checked_within_months": int(checked), "registered_within_months": int(young)},
        "batches": int(batches),
    }


def commit_step(engine, actor, frame, on) -> None:
    """Freeze the candidate list and record the seed's hash; show the hashes and the list to publish."""
    st.subheader(t("sampling.draw.step_commit"))
    existing = support.load_plans(engine)
    source = st.radio(
        t("sampling.draw.source"),
        ["plan", "oneoff"],
        format_func=lambda s: t(f"sampling.draw.source_{s}"),
        horizontal=True,
    )
    scope = {"on": on, "batch": 1, "sectors": [], "townships": [], "stratum_by": "risk"}
    if source == "plan" and existing:
        labels = {p["id"]: f"{p['id']} · {p['name']}" for p in existing}
        scope["plan_id"] = st.selectbox(t("sampling.draw.plan"), list(labels), format_func=labels.get)
        scope["batch"] = st.number_input(t("sampling.draw.batch"), 1, 12, 1)
    elif source == "oneoff":
        scope["ratio"] = st.number_input(t("sampling.draw.ratio"), 0.0, 1.0, 0.05, 0.01, format="%.2f")
        by = ["risk", "sector", "township"]
        scope["stratum_by"] = st.selectbox(
            t("sampling.draw.stratum_by"), by, format_func=lambda s: t(f"sampling.draw.stratum_{s}")
        )
    scope["no_home_recusal"] = not st.checkbox(t("sampling.draw.home_recusal"), True)
    scope["spec"] = st.selectbox(
        t("sampling.draw.spec"),
        SPECS,
        format_func=lambda s: t(f"sampling.draw.spec_{s[-1]}"),
        key="commit_spec",
    )
    digest = st.text_input(t("sampling.draw.seed_sha256"), key="commit_seed_sha256")
    if st.button(t("sampling.draw.commit"), disabled=not (actor.can("sampling.draw") and digest)):
        _commit(engine, actor, frame, scope, digest)
    if "sampling_committed" in st.session_state:
        _show_commitment(st.session_state["sampling_committed"])


def _commit(engine, actor, frame, scope, digest) -> None:
    try:
        frozen, plan = support.freeze(engine, scope, frame)
        list_hash = ceremony.frozen_list_sha256(frozen)
        draw_id = support.commit_draw(
            engine, actor, frozen, digest, list_hash, plan["id"] if plan else None, int(scope["batch"])
        )
    except REFUSALS as exc:
        st.error(plain(exc))
        return
    listing = support.frozen_list_bytes(frozen, list_hash, digest)
    st.session_state["sampling_committed"] = {
        "id": draw_id,
        "list": list_hash,
        "seed": digest.strip().lower(),
        "file": listing,
    }


def _show_commitment(done: dict) -> None:
    st.success(t("sampling.draw.committed", id=done["id"]))
    st.code(
        f"{t('sampling.draw.list_sha256')}: {done['list']}\n{t('sampling.draw.seed_hash')}: {done['seed']}",
        language=None,
    )
    st.download_button(
        t("sampling.draw.download_list"),
        done["file"],
        f"draw-{done['id']}-candidates.json",
        "application/json",
    )


def reveal_step(engine, actor) -> None:
    """Choose a committed draw, type the revealed seed, draw; refused unless it matches."""
    st.subheader(t("sampling.draw.step_reveal"))
    draws = support.load_draws(engine)
    waiting = draws[draws["status"] == "committed"]
    if waiting.empty:
        st.caption(t("sampling.draw.none_committed"))
        return
    labels = {
        int(r.id): f"{r.id} · {r.candidates_sha256[:16]}… · {r.committed_at:%Y-%m-%d %H:%M}"
        for r in waiting.itertuples()
    }
    draw_id = st.selectbox(t("sampling.draw.committed_draw"), list(labels), format_func=labels.get)
    seed = st.text_input(t("sampling.draw.seed"), key="reveal_seed")
    if st.button(t("sampling.draw.reveal"), disabled=not (actor.can("sampling.draw") and seed)):
        try:
            due = support.due_on(engine, draw_id)
            manifest = support.reveal_draw(engine, actor, draw_id, seed, ceremony.reveal, due)
        except REFUSALS as exc:
            st.error(plain(exc))
            return
        n, strata = support.drawn_counts(manifest)
        widgets.flash(PAGE, t("sampling.draw.drawn", id=draw_id, n=n, strata=strata))
        st.rerun()


def result_step(engine) -> None:
    """A finished draw: its strata, the manifest and verifier downloads, the one-line check."""
    st.subheader(t("sampling.draw.step_result"))
    draws = support.load_draws(engine)
    done = draws[draws["status"] == "drawn"]
    if done.empty:
        st.caption(t("sampling.draw.none_drawn"))
        return
    draw_id = st.selectbox(
        t("sampling.draw.choose_drawn"), done["id"].astype(int).tolist(), key="result_draw"
    )
    manifest = support.load_draw(engine, draw_id).manifest
    strata = pd.DataFrame(manifest["strata"])
    strata["drawn"] = strata["drawn"].map(" ".join)
    show_table(strata, ["stratum", "N", "k", "ratio", "drawn"], "sampling.draw")
    name = f"manifest-{draw_id}.json"
    left, right = st.columns(2)
    left.download_button(
        t("sampling.draw.download_manifest"), dump_manifest(manifest), name, "application/json"
    )
    right.download_button(
        t("sampling.draw.download_verifier"),
        sampling_files.verifier_source(),
        "verify_manifest.py",
        "text/x-python",
    )
    st.caption(t("sampling.draw.verify_hint"))
    st.code(f"python verify_manifest.py {name}", language="bash")
    st.code(
        "\n".join(f"{key} {manifest[key]}" for key in ("spec", "seed", "seed_sha256", "list_sha256")),
        language=None,
    )
