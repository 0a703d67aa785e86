"""Parts of the 双随机抽查 page: the plan editor and the draw ceremony (commit → reveal → result).

Each part reads widgets, calls the same functions as ``traceboard draw`` and renders.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from traceboard.accounts.authz import PermissionDenied
from traceboard.dashboard import names, widgets
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import per_data_version, per_data_version_on_demand, t
from traceboard.data.text_rules import TextRejected
from traceboard.files import sampling_files
from traceboard.sampling import ceremony, plans
from traceboard.sampling.assign import NoValidPair
from traceboard.sampling.manifest import dump_manifest
from traceboard.sampling.spec import SPEC, SPECS, DrawRefused, sha256_hex
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


PLAN_CHOICE = "plan_choice"
_PLAN_SAVED = "plan_saved_id"


def plan_editor(engine, actor, frame, year: int) -> None:
    """Pick a plan or start a new one (in the user's own department); edit scope, items, ratios,
    exclusions, batches; save. After saving, the picker holds the saved plan, so saving again
    updates it instead of making a second one."""
    existing = support.load_plans(engine)
    labels = {p["id"]: f"{p['id']} · {p['name']}" for p in existing}
    if _PLAN_SAVED in st.session_state:  # set before the picker exists, as Streamlit requires
        st.session_state[PLAN_CHOICE] = st.session_state.pop(_PLAN_SAVED)
    choice = st.selectbox(
        t("sampling.plan.choose"),
        [0, *labels],
        format_func={0: t("sampling.plan.new"), **labels}.__getitem__,
        key=PLAN_CHOICE,
    )
    ids = support.department_ids(engine)
    departments = sorted(ids)
    own = next((name for name, i in ids.items() if i == actor.department_id), departments[0])
    plan = next((p for p in existing if p["id"] == choice), None)
    dept = st.selectbox(
        t("sampling.plan.department"),
        departments,
        format_func=widgets.worded(departments, names.name),
        index=departments.index(plan["department"] if plan else own),
        key=f"plan_department_{choice}",
    )
    plan = plans.new_plan(dept, year) if plan is None else {**plan, "department": dept}

    def save() -> int:
        plan_id = support.save_plan(engine, actor, plans.validate_plan(edited), choice or None)
        st.session_state[_PLAN_SAVED] = plan_id
        return plan_id

    # keyed by the department too: a new plan's name follows the department chosen above
    with st.form(f"plan_{choice}_{dept}"):
        edited = _plan_fields(plan, frame)
        if st.form_submit_button(t("sampling.plan.save"), disabled=not actor.can("sampling.plan")):
            attempt(save, "sampling.saved")


def _plan_fields(plan: dict, frame) -> dict:
    scope, excl = plan["scope"], plan["exclusions"]
    left, right = st.columns(2)
    year = left.number_input(t("sampling.plan.year"), 2017, 2100, int(plan["year"]))
    name = right.text_input(t("sampling.plan.name"), plan["name"])
    sector_names = frame.sectors["name"].tolist()
    sectors = st.multiselect(
        t("sampling.plan.sectors"),
        sector_names,
        scope.get("sectors", []),
        format_func=widgets.worded(sector_names, names.name),
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
        "department": plan["department"],
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
    sources = ["plan", "oneoff"]
    source = st.radio(
        t("sampling.draw.source"),
        sources,
        format_func=widgets.worded(sources, lambda s: t(f"sampling.draw.source_{s}")),
        horizontal=True,
        key="commit_source",
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
            t("sampling.draw.stratum_by"),
            by,
            format_func=widgets.worded(by, lambda s: t(f"sampling.draw.stratum_{s}")),
        )
    scope["no_home_recusal"] = not st.checkbox(t("sampling.draw.home_recusal"), True)
    scope["spec"] = st.selectbox(
        t("sampling.draw.spec"),
        SPECS,
        index=SPECS.index(SPEC),
        format_func=widgets.worded(SPECS, lambda s: t(f"sampling.draw.spec_{s[-1]}")),
        key="commit_spec",
    )
    seed_hash_helper()
    # a form: what is typed counts when the button is clicked, no Enter needed first
    with st.form("commit"):
        digest = st.text_input(t("sampling.draw.seed_sha256"), key="commit_seed_sha256")
        pressed = st.form_submit_button(t("sampling.draw.commit"), disabled=not actor.can("sampling.draw"))
    if pressed:
        if digest.strip():
            _commit(engine, actor, frame, scope, digest)
        else:
            st.error(t("sampling.draw.seed_sha256_required"))
    if "sampling_committed" in st.session_state:
        _show_commitment(st.session_state["sampling_committed"])


def seed_hash_helper() -> None:
    """Type a seed, see its SHA-256 to copy (and to fill in the commitment below); nothing is kept."""
    with st.expander(t("sampling.draw.helper")):
        st.caption(t("sampling.draw.helper_note"))
        with st.form("seed_helper", clear_on_submit=True):
            seed = st.text_input(t("sampling.draw.helper_seed"), type="password", key="helper_seed")
            pressed = st.form_submit_button(t("sampling.draw.helper_compute"))
        if pressed and seed:
            digest = sha256_hex(seed)
            st.session_state["commit_seed_sha256"] = digest  # the commitment input comes after
            st.code(digest, language=None)
            st.caption(t("sampling.draw.helper_done"))


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
    with st.form("reveal"):
        draw_id = st.selectbox(t("sampling.draw.committed_draw"), list(labels), format_func=labels.get)
        seed = st.text_input(t("sampling.draw.seed"), key="reveal_seed")
        pressed = st.form_submit_button(t("sampling.draw.reveal"), disabled=not actor.can("sampling.draw"))
    if pressed and not seed:
        st.error(t("sampling.draw.seed_required"))
    elif pressed:
        try:
            due = support.due_on(engine, draw_id)
            manifest = support.reveal_draw(engine, actor, draw_id, seed, ceremony.reveal, due)
        except REFUSALS as exc:
            st.error(plain(exc))
            return
        n, strata = support.drawn_counts(manifest)
        widgets.flash(PAGE, t("sampling.draw.drawn", id=draw_id, n=n, strata=strata))
        st.rerun()


def draw_labels(engine, draws: pd.DataFrame) -> dict[int, str]:
    """Each draw by id → "id · plan (department) · batch · date" (a one-off draw says so)."""
    plans_by_id = {p["id"]: p for p in support.load_plans(engine)}
    labels = {}
    for row in draws.itertuples():
        plan = plans_by_id.get(row.plan_id) if pd.notna(row.plan_id) else None
        what = (
            t("sampling.draw.label_plan", name=plan["name"], department=plan["department"], batch=row.batch)
            if plan
            else t("sampling.draw.label_oneoff")
        )
        when = row.drawn_at if pd.notna(row.drawn_at) else row.committed_at
        labels[int(row.id)] = f"{int(row.id)} · {what} · {when:%Y-%m-%d %H:%M}"
    return labels


MANIFEST_HEAD = ("spec", "seed", "seed_sha256", "list_sha256")
STRATUM_COLUMNS = ["stratum", "N", "k", "ratio"]


def _drawn(engine, draw_id: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """What the page shows of a drawn draw: the manifest's head (:data:`MANIFEST_HEAD`), its strata
    and one drawn credit code per row in draw order. Not the manifest itself, which is kept per data
    version with these: its every candidate's code (a million at a million enterprises) would stay
    in memory as long as the version does; its download reads it again when clicked."""
    manifest = support.load_manifest(engine, draw_id)
    head = {key: manifest[key] for key in MANIFEST_HEAD}
    strata = pd.DataFrame(manifest["strata"], columns=[*STRATUM_COLUMNS, "drawn"])
    del manifest
    drawn = strata[["stratum", "drawn"]].explode("drawn").dropna(subset=["drawn"])
    drawn = drawn.assign(position=drawn.groupby("stratum").cumcount() + 1)
    return head, strata[STRATUM_COLUMNS], drawn


def result_step(engine) -> None:
    """A finished draw: its strata, the manifest and verifier downloads, the one-line check."""
    st.subheader(t("sampling.draw.step_result"))
    draws = support.load_draws(engine)
    done = draws[draws["status"] == "drawn"]
    if done.empty:
        st.caption(t("sampling.draw.none_drawn"))
        return
    labels = draw_labels(engine, done)
    draw_id = st.selectbox(
        t("sampling.draw.choose_drawn"), list(labels), format_func=labels.get, key="result_draw"
    )
    # what is shown of the manifest: read and shaped once per data version
    head, strata, drawn = per_data_version(("sampling.drawn", draw_id), lambda: _drawn(engine, draw_id))
    show_table(strata, STRATUM_COLUMNS, "sampling.draw")
    show_table(drawn, ["stratum", "position", "drawn"], "sampling.draw")
    name = f"manifest-{draw_id}.json"
    left, right = st.columns(2)
    left.download_button(
        t("sampling.draw.download_manifest"),
        per_data_version_on_demand(
            ("sampling.manifest_file", draw_id),
            lambda: dump_manifest(support.load_manifest(engine, draw_id)),
        ),
        name,
        "application/json",
        on_click="ignore",
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
        "\n".join(f"{key} {head[key]}" for key in MANIFEST_HEAD),
        language=None,
    )
