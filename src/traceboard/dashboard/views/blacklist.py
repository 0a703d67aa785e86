"""黑名单与消费提示: proposals queue, a case's timeline, actions by role, alert editor, published lists."""

import pandas as pd
import streamlit as st

from traceboard.accounts.authz import PermissionDenied
from traceboard.blacklist.alerts import (
    SEVERITIES,
    AlertDraft,
    AlertRefused,
    draft_from_checks,
    draft_from_listing,
    draft_from_sector,
)
from traceboard.blacklist.lifecycle import AWAITING_DECISION, REPAIR_CONDITIONS, IllegalMove, Move
from traceboard.blacklist.site import shape_alerts, shape_cases
from traceboard.config import site_dir
from traceboard.dashboard import names, widgets
from traceboard.dashboard.auth import role_label
from traceboard.dashboard.i18n import load_catalog
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import (
    get_engine,
    language,
    per_data_version,
    per_data_version_and_language,
    signed_in_actor,
    t,
    today,
)
from traceboard.data.text_rules import TextRejected
from traceboard.services import blacklist as actions
from traceboard.services.audit_trail import publish_site
from traceboard.services.blacklist import (
    ALERT_LISTING,
    NotFound,
    load_alert_templates,
    load_alerts,
    load_case_events,
    load_cases,
    load_public_cases,
    load_sectors,
)
from traceboard.services.public import failed_checks_since

REFUSALS = (IllegalMove, AlertRefused, NotFound, PermissionDenied, TextRejected)
PAGE = "blacklist"

st.title(t("blacklist.title"))
actor = signed_in_actor("blacklist")
st.caption(t("blacklist.signed_in_as", user=plain(actor.username), role=role_label(actor.role)))
engine = get_engine()
widgets.show_flash(PAGE)
for key in st.session_state.pop("blacklist_reset", ()):  # a saved form starts empty again
    st.session_state.pop(key, None)


# Options are worded by dicts built in this run (format_func=labels.get), in the session's language.


# The page's lists change only with the record: read, worded and prepared for showing once per data
# version and language (a case moved, an alert saved or a site published moves the version), not
# on every click. Kept results are shared by sessions: read, never changed.


def show_kept(key: tuple, rows, columns: list[str]) -> None:
    """``columns`` of ``rows()`` under their headings (``widgets.show_table``), prepared once per
    data version and language under ``key``."""
    table = per_data_version_and_language(
        ("blacklist.table", *key), lambda: widgets.listing(rows(), columns, "blacklist.col.{column}")
    )
    widgets.show_listing(table, "blacklist.none")


def worded_cases() -> pd.DataFrame:
    """Every case, its state worded in the session's language (``state_label``)."""
    cases = load_cases(engine)
    cases["state_label"] = cases["state"].map(lambda s: t(f"blacklist.state.{s}"))
    return cases


def attempt(act, success_key: str, clear: tuple[str, ...] = (), **values) -> None:
    """Run an act; on success empty the fields ``clear`` (widget keys) for the next entry."""

    def act_then_clear():
        result = act()
        st.session_state["blacklist_reset"] = clear
        return result

    widgets.attempt(PAGE, REFUSALS, act_then_clear, success_key, **values)


cases = per_data_version_and_language(("blacklist.cases",), worded_cases)
# a keyed tab set that tracks its state: after saving or moving (a rerun with a message above the
# tabs) the user stays on the tab they were on instead of being thrown back to the first
queue, case_tab, alert_tab, public_tab = st.tabs(
    [t("blacklist.tab_queue"), t("blacklist.tab_case"), t("blacklist.tab_alerts"), t("blacklist.tab_public")],
    key="blacklist_tab",
    on_change="rerun",
)


def suggestion_lines(suggestions: pd.DataFrame, lang: str) -> dict[int, str]:
    """Each suggestion by its check's id, as the picker words it in ``lang``.

    The catalog's line is looked up once and filled per suggestion from the columns (fourteen
    thousand suggestions at a million enterprises: a look-up and a named tuple each cost more
    than the wording)."""
    line = load_catalog(lang)["blacklist.suggestion_line"]
    columns = (suggestions[c] for c in ("inspection_id", "name", "uscc", "grounds", "checked_on"))
    return {
        int(check): line.format(name=name, uscc=uscc, grounds=grounds, check=int(check), checked_on=on)
        for check, name, uscc, grounds, on in zip(*columns, strict=True)
    }


def propose_from_suggestion(suggestions: pd.DataFrame) -> None:
    """One suggestion picked from the queue, proposed as the rule words it: the enterprise, the rule's
    grounds and the check it rests on (the default legal basis). The case then awaits a decision."""
    if suggestions.empty or not actor.can("blacklist.propose"):
        return
    # one line per suggestion (tens of thousands at a million enterprises): worded once per data
    # version and language, not on every rerun
    labels = per_data_version_and_language(
        ("blacklist.suggestion_lines", today()), lambda: suggestion_lines(suggestions, language())
    )
    picked = st.selectbox(
        t("blacklist.pick_suggestion"), list(labels), format_func=labels.get, key="suggestion"
    )
    if st.button(t("blacklist.propose_suggestion"), key="propose_suggestion"):
        row = next(suggestions[suggestions["inspection_id"] == picked].itertuples())
        attempt(
            lambda: actions.propose_case(engine, actor, row.uscc, row.grounds, None, int(picked), today()),
            "blacklist.proposed_ok",
        )


with queue:
    st.subheader(t("blacklist.suggested"))
    suggestions = per_data_version(("blacklist_suggestions", today()), lambda: actions.suggest_cases(engine))
    show_kept(
        ("suggestions", today()),
        lambda: suggestions,
        ["uscc", "name", "grounds", "inspection_id", "checked_on"],  # the grounds name the rule in Chinese
    )
    propose_from_suggestion(suggestions)
    st.subheader(t("blacklist.open_cases"))
    show_kept(
        ("pending",),
        lambda: cases[cases["state"].isin(AWAITING_DECISION)].rename(columns={"state_label": "status"}),
        ["id", "status", "uscc", "name", "grounds", "proposed_on"],
    )
    if actor.can("blacklist.propose"):
        with st.form("propose"):
            st.markdown(f"**{t('blacklist.propose')}**")
            uscc = st.text_input(t("blacklist.uscc"), key="propose_uscc")
            grounds = st.text_area(t("blacklist.grounds"), key="propose_grounds")
            basis = st.text_input(t("blacklist.basis"), key="propose_basis")
            source = st.number_input(
                t("blacklist.source_inspection"), min_value=0, step=1, value=0, key="propose_source"
            )
            if st.form_submit_button(t("blacklist.submit_propose")):
                attempt(
                    lambda: actions.propose_case(
                        engine, actor, uscc, grounds, basis or None, source or None, today()
                    ),
                    "blacklist.proposed_ok",
                    ("propose_uscc", "propose_grounds", "propose_basis", "propose_source"),
                )


def case_lines(cases: pd.DataFrame) -> dict[int, str]:
    """Each case by its id, as the picker words it."""
    return {int(r.id): f"{r.id} · {r.state_label} · {r.name}（{r.uscc}）" for r in cases.itertuples()}


def worded_events(case_id: int) -> pd.DataFrame:
    """The moves of a case, its states worded in the session's language."""
    events = load_case_events(engine, case_id)
    for column in ("from_state", "to_state"):
        events[column] = events[column].map(lambda v: t(f"blacklist.state.{v}") if v else "")
    return events


with case_tab:
    if cases.empty:
        st.info(t("blacklist.no_cases"))
    else:
        labels = per_data_version_and_language(("blacklist.case_labels",), lambda: case_lines(cases))
        picked = st.selectbox(t("blacklist.pick_case"), list(labels), format_func=labels.get, key="bl_case")
        case = cases[cases["id"] == picked].iloc[0]
        st.subheader(t("blacklist.timeline"))
        show_kept(
            ("events", picked),
            lambda: worded_events(picked),
            ["occurred_on", "from_state", "to_state", "reason", "legal_basis", "authority", "decided_by"],
        )
        st.subheader(t("blacklist.actions"))
        moves = actions.offered_moves(actor, case["state"])
        if not moves:
            st.caption(t("blacklist.no_actions"))
        else:
            with st.form("move"):
                to_state = st.selectbox(
                    t("blacklist.move_to"),
                    moves,
                    format_func={m: t(f"blacklist.state.{m}") for m in moves}.get,
                    key="move_to",
                )
                on = st.date_input(t("blacklist.on"), value=today(), key="move_on")
                reason = st.text_input(t("blacklist.reason"), key="move_reason")
                authority = st.text_input(
                    t("blacklist.authority"), value=case["authority"] or "", key=f"move_authority_{picked}"
                )
                remedies = st.text_area(t("blacklist.remedies"), key="move_remedies")
                st.markdown(t("blacklist.conditions"))
                details = {
                    c: st.checkbox(t(f"blacklist.condition.{c}"), key=f"cond_{c}") for c in REPAIR_CONDITIONS
                }
                if st.form_submit_button(t("blacklist.submit_move")):
                    move = Move(
                        to_state,
                        on,
                        actor.username,
                        reason or None,
                        None,
                        authority or None,
                        remedies or None,
                        details if to_state == "repaired" else {},
                    )
                    cleared = ("move_on", "move_reason", f"move_authority_{picked}", "move_remedies")
                    attempt(
                        lambda: actions.move_case(engine, actor, picked, move),
                        "blacklist.moved_ok",
                        (*cleared, *(f"cond_{c}" for c in REPAIR_CONDITIONS)),
                        id=picked,
                        state=t(f"blacklist.state.{to_state}"),
                    )


def fill_from_template() -> None:
    """Button callback: put a template's title, body, sector and enterprises into the editor's fields.

    The kind, sector, case and date are read here, when the button is clicked, so that a value
    changed just before the click (a date typed, then the button) counts at once."""
    state = st.session_state
    kind, sector = state.get("alert_kind"), state.get("alert_sector")
    case_id, since = state.get("alert_case"), state.get("alert_since")
    templates = load_alert_templates()
    try:
        if kind == "sector":
            if sector not in templates.get("sector", {}):
                named = names.name(load_sectors(engine)[sector])
                state["alert_error"] = t("blacklist.no_sector_template", sector=named)
                return
            draft = draft_from_sector(templates, sector, load_sectors(engine)[sector])
        elif kind == "checks":
            failed = failed_checks_since(engine, since, sector)
            if not failed:
                state["alert_error"] = t("blacklist.no_failed_checks", since=since.isoformat())
                return
            draft = draft_from_checks(templates, failed, sector)
        else:
            if case_id is None:
                state["alert_error"] = t("blacklist.no_published_case")
                return
            row = cases[cases["id"] == case_id].iloc[0].to_dict()
            draft = draft_from_listing(templates, row)
    except (AlertRefused, IndexError, TextRejected) as exc:
        st.session_state["alert_error"] = plain(exc)
        return
    st.session_state.update(alert_title=draft.title, alert_body=draft.body, alert_severity=draft.severity)
    st.session_state.update(alert_usccs="\n".join(draft.usccs), alert_sector=draft.sector or sector)


def worded_alerts(alerts: list[dict], columns: list[str]) -> pd.DataFrame:
    """The alerts' ``columns``, their states and severities worded in the session's language."""
    frame = pd.DataFrame(alerts, columns=columns)
    frame["state"] = frame["state"].map(lambda s: t(f"blacklist.alert_state.{s}"))
    frame["severity"] = frame["severity"].map(lambda v: t(f"blacklist.severity_label.{v}"))
    return frame


with alert_tab:
    if actor.can("alert.draft"):
        st.subheader(t("blacklist.editor"))
        sectors = per_data_version(("blacklist.sectors",), lambda: load_sectors(engine))
        kinds = {
            "free": t("blacklist.template_free"),
            "sector": t("blacklist.template_sector"),
            "listing": t("blacklist.template_listing"),
            "checks": t("blacklist.template_checks"),
        }
        kind = st.radio(
            t("blacklist.template"), list(kinds), format_func=kinds.get, horizontal=True, key="alert_kind"
        )
        sector = st.selectbox(
            t("blacklist.sector"),
            list(sectors),
            format_func={c: names.name(n) for c, n in sectors.items()}.get,
            key="alert_sector",
        )
        published = cases[cases["state"] == "published"]
        if kind == "listing":
            st.selectbox(t("blacklist.pick_case"), published["id"].tolist(), key="alert_case")
        if kind == "checks":
            st.date_input(t("blacklist.checks_since"), key="alert_since")
        if kind != "free":
            st.button(t("blacklist.use_template"), on_click=fill_from_template)
        if st.session_state.get("alert_error"):
            st.error(st.session_state.pop("alert_error"))
        title = st.text_input(t("blacklist.title_field"), key="alert_title")
        body = st.text_area(t("blacklist.body_field"), key="alert_body", height=160)
        severity = st.selectbox(
            t("blacklist.severity"),
            SEVERITIES,
            format_func={v: t(f"blacklist.severity_label.{v}") for v in SEVERITIES}.get,
            key="alert_severity",
        )
        usccs = st.text_area(t("blacklist.enterprises"), key="alert_usccs")
        with st.container(border=True):
            st.caption(t("blacklist.preview"))
            st.text(title)
            st.text(body)
        if st.button(t("blacklist.save_draft"), type="primary"):
            draft = AlertDraft(title, body, sector, tuple(u for u in usccs.split() if u), severity)
            attempt(
                lambda: actions.draft_alert(engine, actor, draft),
                "blacklist.drafted_ok",
                ("alert_title", "alert_body", "alert_severity", "alert_usccs"),
            )
    st.subheader(t("blacklist.alert_list"))
    alerts = per_data_version(("blacklist.alerts",), lambda: load_alerts(engine))
    listed = [c for c in ALERT_LISTING if c != "withdrawn_reason"]
    show_kept(("alerts",), lambda: worded_alerts(alerts, listed), listed)
    offered = {a["id"]: actions.offered_alert_moves(actor, a) for a in alerts}
    second_eyes = {a["id"]: a for a in alerts if actions.awaits_second_approver(actor, a)}
    actionable = [i for i, moves in offered.items() if moves or i in second_eyes]
    if actionable:
        st.subheader(t("blacklist.alert_move"))
        titles = {a["id"]: f"{a['id']} · {a['title']}" for a in alerts}
        alert_id = st.selectbox(
            t("blacklist.pick_alert"), actionable, format_func=titles.get, key="alert_pick"
        )
        if alert_id in second_eyes:  # 四眼原则: said plainly, with who may approve
            roles, users = actions.approvers(engine, second_eyes[alert_id])
            st.info(
                t(
                    "blacklist.four_eyes",
                    roles=t("blacklist.list_sep").join(role_label(r) for r in roles),
                    users=t("blacklist.list_sep").join(users) if users else t("blacklist.no_approver"),
                )
            )
        to_state = (
            st.radio(
                t("blacklist.move_to"),
                offered[alert_id],
                horizontal=True,
                format_func={m: t(f"blacklist.alert_state.{m}") for m in offered[alert_id]}.get,
                key="alert_move_to",
            )
            if offered[alert_id]
            else None
        )
        reason = None
        # the decision's stated date (an approval as much as a publication): back-dated if late
        on = st.date_input(t("blacklist.on"), value=today(), key="alert_move_on") if to_state else None
        if to_state == "withdrawn":
            reason = st.text_input(t("blacklist.withdraw_reason"), key="alert_reason")
        if to_state and st.button(t("blacklist.submit_move"), key="alert_submit"):
            attempt(
                lambda: actions.move_alert(engine, actor, alert_id, to_state, on, reason),
                "blacklist.alert_moved_ok",
                ("alert_reason",),
                id=alert_id,
                state=t(f"blacklist.alert_state.{to_state}"),
            )


def publish_public_site() -> None:
    """Write the public site where the web server serves it (the same use case as `traceboard
    publish`: audited, with the log's checkpoint); say where and how many files."""
    out = site_dir()
    try:
        written = publish_site(engine, actor, out)
    except PermissionDenied as exc:
        st.error(plain(exc))
        return
    except OSError:
        st.error(t("blacklist.site_failed", dir=str(out)))
        return
    widgets.flash(PAGE, t("blacklist.site_published", n=len(written), dir=str(out)))
    st.rerun()


def stated(rows: list[dict]) -> pd.DataFrame:
    """Public cases with their state worded in the session's language."""
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["status"] = frame["state"].map(lambda s: t(f"blacklist.state.{s}"))
    return frame


def public_alerts() -> pd.DataFrame:
    """The alerts as the public site shows them, their states worded in the session's language."""
    shown = pd.DataFrame(shape_alerts(load_alerts(engine, ("published", "withdrawn"))))
    if not shown.empty:
        shown["state"] = shown["state"].map(lambda s: t(f"blacklist.alert_state.{s}"))
    return shown


with public_tab:
    if actor.can("site.publish"):
        st.subheader(t("blacklist.site"))
        st.caption(t("blacklist.site_where", dir=str(site_dir())))
        if st.button(t("blacklist.publish_site"), key="publish_site", type="primary"):
            publish_public_site()
    current, removed = per_data_version(
        ("blacklist.public_cases",), lambda: shape_cases(load_public_cases(engine))
    )
    st.subheader(t("blacklist.public_current"))
    show_kept(
        ("public_current",),
        lambda: stated(current),
        ["name", "uscc", "listed_on", "grounds", "legal_basis", "authority", "remedies"],
    )
    st.subheader(t("blacklist.public_removed"))
    show_kept(
        ("public_removed",),
        lambda: stated(removed),
        ["name", "uscc", "listed_on", "status", "removed_on", "removal_reason", "removal_authority"],
    )
    st.subheader(t("blacklist.public_alerts"))
    show_kept(
        ("public_alerts",),
        public_alerts,
        ["id", "title", "sector", "published_on", "state", "withdrawn_on"],
    )
