"""数据管理: import the spreadsheets offices send, enter or correct one record, templates, exports."""

import hashlib
from functools import partial

import pandas as pd
import streamlit as st

from traceboard.accounts.authz import PermissionDenied
from traceboard.dashboard import numbers, widgets
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import get_engine, language, per_data_version, signed_in_actor, t, word
from traceboard.files.isolated_parse import ParserFailed, run_isolated
from traceboard.services.audit_trail import audited_download
from traceboard.services.exports import (
    export_table,
    filter_choices,
    may_export,
    template_bytes,
    to_file_bytes,
)
from traceboard.services.imports import (
    KINDS,
    SPECS,
    UnreadableFile,
    ValidationFailed,
    annotated_rows,
    check_upload,
    import_validated,
    list_sheets,
    problem_table,
    read_sheet,
    render_errors,
)
from traceboard.services.platform_feeds import FeedRejected, UnreadableFeed, ingest_feed, read_feed
from traceboard.services.record_entry import (
    cells_of,
    entry_fields,
    record_lines,
    records_for_entry,
    save_entry,
)

PREVIEW_ROWS = 20
ENTRY_CHOICES = 200  # records offered to correct at once (narrowed by the filter)
FAULTY_ROWS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title(t("data_admin.title"))
actor = signed_in_actor("data_admin")
engine = get_engine()
if "data_admin_flash" in st.session_state:
    st.success(st.session_state.pop("data_admin_flash"))


def kind_label(kind: str) -> str:
    return t(f"data_admin.kind_{kind}")


def highlight_faulty(table: pd.DataFrame, marks: list[tuple[int, int]]):
    """Faulty rows in light red, the faulty cells themselves in red (the last column says why)."""
    styles = pd.DataFrame("", index=table.index, columns=table.columns)
    styles[table.iloc[:, -1] != ""] = "background-color: #FDECEA"  # the last column: the reasons
    for row, col in marks:
        if row in styles.index:
            styles.iat[styles.index.get_loc(row), col] = "background-color: #FFC7CE; color: #9C0006"
    return table.style.apply(lambda _: styles, axis=None)


def read_in_child(content: bytes, filename: str, sheet: str | None):
    # A parser that aborts or runs out of memory takes down its child, not the server of every user.
    return run_isolated(read_sheet, content, filename, sheet)


def upload_sheets(upload) -> list[str]:
    content = upload.getvalue()
    key = hashlib.sha256(content).hexdigest()
    cached = st.session_state.get("data_admin_sheets")
    if cached is None or cached[0] != key:
        cached = (key, run_isolated(list_sheets, content, upload.name))
        st.session_state["data_admin_sheets"] = cached
    return cached[1]


def unreadable_reason(exc: UnreadableFile | UnreadableFeed | ParserFailed) -> str:
    """Why a file cannot be read, in the session's language where the reason has a code."""
    if exc.code == "unreadable":
        return plain(str(exc))
    return t(f"files.{exc.code}", **{k: v for k, v in exc.params.items() if k != "file"})


def validate_upload(kind: str, upload, sheet: str | None):
    # Streamlit reruns the page on every click: validate each (file, kind, sheet) once.
    content = upload.getvalue()
    key = (hashlib.sha256(content).hexdigest(), kind, sheet)
    cached = st.session_state.get("data_admin_validation")
    if cached is None or cached[0] != key:
        with st.spinner(t("data_admin.validating")):
            cached = (key, check_upload(engine, kind, content, upload.name, sheet, read=read_in_child))
        st.session_state["data_admin_validation"] = cached
    return cached[1]


def show_validation(validation) -> None:
    raw = validation.raw
    facts = t("data_admin.facts", file=plain(raw.file), sheet=plain(raw.sheet), rows=len(validation.values))
    if validation.header_row:
        facts += t("data_admin.facts_header", row=validation.header_row)
    if raw.encoding:
        facts += t("data_admin.facts_encoding", encoding=raw.encoding)
    st.caption(facts)
    if validation.ignored:
        st.caption(t("data_admin.ignored", columns="、".join(plain(c) for c in validation.ignored)))
    if validation.header_row:
        table, marks = annotated_rows(validation, language())
        st.subheader(t("data_admin.preview"))
        st.dataframe(
            highlight_faulty(table.head(PREVIEW_ROWS), marks),
            hide_index=True,
            width="stretch",
            placeholder=numbers.NONE,
        )
    if validation.ok:
        return
    st.error(t("data_admin.problems", count=len(validation.problems)))
    shown = problem_table(validation, language())
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=numbers.NONE)
    if validation.header_row:
        faulty = table[table.iloc[:, -1] != ""].head(FAULTY_ROWS_SHOWN)
        st.subheader(t("data_admin.faulty_rows"))
        st.dataframe(
            highlight_faulty(faulty, marks), hide_index=True, width="stretch", placeholder=numbers.NONE
        )
    st.download_button(
        t("data_admin.download_errors"),
        partial(
            render_errors, validation, language()
        ),  # made when clicked: a big file's markup takes seconds
        t("data_admin.errors_file", sheet=raw.sheet),
        XLSX,
        key="errors",
    )


def confirm_import(validation) -> None:
    if not st.button(t("data_admin.confirm", rows=len(validation.values)), type="primary", key="confirm"):
        return
    try:
        summary = import_validated(engine, actor, validation)
    except (PermissionDenied, ValidationFailed) as exc:
        st.error(plain(exc))
        return
    c = summary.counts
    message = t("data_admin.done", added=c["added"], updated=c["updated"], unchanged=c["unchanged"])
    if not summary.changed:
        message = t("data_admin.nothing_changed", unchanged=c["unchanged"])
    st.session_state.pop("data_admin_validation", None)
    st.session_state["data_admin_flash"] = message
    st.rerun()


def read_feed_in_child(content: bytes, filename: str, today):
    # As for the spreadsheets: a hostile feed that aborts its parser or blows its memory takes down a child.
    return run_isolated(read_feed, content, filename, today)


def feed_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """A rejected feed's problems (the first FAULTY_ROWS_SHOWN), each reason in the session's language."""
    shown = problems.head(FAULTY_ROWS_SHOWN)
    codes = zip(shown["code"], shown["detail"], strict=True)
    reasons = [t(f"data_admin.feed_problem_{code}", detail=detail) for code, detail in codes]
    table = pd.DataFrame(
        {"row": shown["row"], "column": shown["column"], "value": shown["value"], "reason": reasons}
    )
    table.columns = [t(f"data_admin.col_{c}") for c in table.columns]
    return table


def ingest_platform_feed(upload) -> None:
    """The same service as ``traceboard platform ingest``: all rows or none, problems by row and column."""
    try:
        summary = ingest_feed(engine, actor, upload.getvalue(), upload.name, read=read_feed_in_child)
    except (UnreadableFeed, ParserFailed) as exc:
        st.error(t("data_admin.unreadable", reason=unreadable_reason(exc)))
    except PermissionDenied as exc:
        st.error(plain(exc))
    except FeedRejected as exc:
        st.error(t("data_admin.feed_rejected", file=plain(exc.file), count=len(exc.problems)))
        st.dataframe(feed_problems(exc.problems), hide_index=True, width="stretch", placeholder=numbers.NONE)
    else:
        c = summary.counts
        st.session_state["data_admin_flash"] = (
            t("data_admin.feed_done", file=summary.file, added=c["added"], updated=c["updated"])
            if summary.changed
            else t("data_admin.nothing_changed", unchanged=c["unchanged"])
        )
        st.rerun()


def entry_records(kind: str) -> tuple[pd.DataFrame, pd.Series]:
    """The records of ``kind`` and their picker lines, once per data version."""

    def load() -> tuple[pd.DataFrame, pd.Series]:
        records = records_for_entry(engine, actor, kind)
        return records, record_lines(records)

    try:
        return per_data_version(("entry", actor.username, actor.role, kind), load)
    except PermissionDenied:
        return pd.DataFrame(), pd.Series(dtype=object)


def pick_record(kind: str) -> dict[str, str]:
    """The record to correct (its cells), or nothing for a new one.

    The records are read (the whole export of ``kind``: 100,000 lines for the register) only
    once the user asks to correct one, not on every first view of the page."""
    if not st.toggle(t("data_admin.entry_correct"), key=f"entry_correct_{kind}"):
        return {}
    records, text = entry_records(kind)
    if records.empty:
        return {}
    wanted = st.text_input(t("data_admin.entry_filter"), key=f"entry_filter_{kind}")
    shown = text[text.str.contains(wanted, regex=False)] if wanted else text
    options = [None, *shown.index[:ENTRY_CHOICES]]
    new = t("data_admin.entry_new")  # worded now, not in format_func: see widgets.worded
    picked = st.selectbox(
        t("data_admin.entry_pick", rows=len(shown)),
        options,
        format_func=lambda i: new if i is None else plain(text[i][:120]),
        key=f"entry_pick_{kind}",
    )
    return {} if picked is None else cells_of(records.loc[picked])


def entry_form(kind: str) -> None:
    current = pick_record(kind)
    version = hashlib.sha256(repr(sorted(current.items())).encode()).hexdigest()[:12]
    fields = per_data_version(("data_admin.entry_fields", kind), lambda: entry_fields(engine, kind))
    with st.form(f"entry_{kind}"):
        cells = {}
        for field in fields:
            label = field.header + (" *" if field.mandatory else "")
            label += t("data_admin.entry_key_mark") if field.key_part else ""
            value = current.get(field.header, "")
            widget = f"entry_{kind}_{version}_{field.key}"
            if field.choices is not None:
                options = ["", *field.choices]
                index = options.index(value) if value in options else 0
                cells[field.header] = st.selectbox(
                    label,
                    options,
                    index=index,
                    help=field.help or None,
                    key=widget,
                    placeholder=t("data_admin.entry_choose"),
                )
            else:
                cells[field.header] = st.text_input(label, value, help=field.help or None, key=widget)
        saved = st.form_submit_button(t("data_admin.entry_save"), type="primary")
    if not saved:
        return
    try:
        outcome = save_entry(engine, actor, kind, cells)
    except PermissionDenied as exc:
        st.error(plain(exc))
        return
    if not outcome.ok:
        st.error(t("data_admin.entry_problems", count=len(outcome.validation.problems)))
        shown = pd.DataFrame(outcome.problems(), columns=["column", "value", "reason"])
        shown["reason"] = shown["reason"].map(word)
        shown.columns = [t(f"data_admin.col_{c}") for c in shown.columns]
        st.dataframe(shown, hide_index=True, width="stretch", placeholder=numbers.NONE)
        return
    c = outcome.summary.counts
    message = (
        t("data_admin.entry_added")
        if c["added"]
        else t("data_admin.entry_updated")
        if c["updated"]
        else t("data_admin.entry_unchanged")
    )
    st.session_state["data_admin_flash"] = message
    st.rerun()


tab_import, tab_feeds, tab_entry, tab_templates, tab_export = st.tabs(
    [
        t("data_admin.tab_import"),
        t("data_admin.tab_feeds"),
        t("data_admin.tab_entry"),
        t("data_admin.tab_templates"),
        t("data_admin.tab_export"),
    ],
    # keyed tabs: after an import, a correction or a download (each a rerun) the user stays on the tab
    key="data_admin_tab",
    on_change="rerun",
)

with tab_feeds:
    st.caption(t("data_admin.feed_note"))
    feed = widgets.file_uploader(t("data_admin.feed_upload"), ["jsonl", "json", "csv"], key="feed_upload")
    if feed is not None and st.button(t("data_admin.feed_confirm"), type="primary", key="feed_confirm"):
        ingest_platform_feed(feed)

with tab_import:
    kind = st.selectbox(
        t("data_admin.kind"), KINDS, format_func=widgets.worded(KINDS, kind_label), key="import_kind"
    )
    upload = widgets.file_uploader(t("data_admin.upload"), ["xlsx", "xls", "csv"], key="upload")
    if upload is not None:
        try:
            sheets = upload_sheets(upload)
            sheet = st.selectbox(t("data_admin.sheet"), sheets, key="sheet") if len(sheets) > 1 else None
            validation = validate_upload(kind, upload, sheet)
        except (UnreadableFile, ParserFailed) as exc:
            st.error(t("data_admin.unreadable", reason=unreadable_reason(exc)))
        else:
            show_validation(validation)
            if validation.ok:
                st.success(t("data_admin.valid", rows=len(validation.values)))
                confirm_import(validation)

with tab_entry:
    st.caption(t("data_admin.entry_note"))
    entry_kind = st.selectbox(
        t("data_admin.kind"), KINDS, format_func=widgets.worded(KINDS, kind_label), key="entry_kind"
    )
    entry_form(entry_kind)

with tab_templates:
    st.caption(t("data_admin.templates_note"))
    template_kind = st.selectbox(
        t("data_admin.kind"), KINDS, format_func=widgets.worded(KINDS, kind_label), key="template_kind"
    )
    st.download_button(
        t("data_admin.download_template"),
        partial(template_bytes, engine, template_kind),
        f"{SPECS[template_kind].title}模板.xlsx",
        XLSX,
        key="template",
    )


def register_filters() -> dict:
    choices = per_data_version(("data_admin.filter_choices",), lambda: filter_choices(engine))
    cols = st.columns(3)
    filters = {
        name: cols[i].multiselect(
            t(f"data_admin.filter_{name}"),
            choices[name],
            key=f"filter_{name}",
            placeholder=t("common.choose"),
        )
        for i, name in enumerate(("township", "sector", "department"))
    }
    answers = ["all", "yes", "no"]
    adopted = st.radio(
        t("data_admin.filter_adopted"),
        answers,
        horizontal=True,
        key="filter_adopted",
        format_func=widgets.worded(answers, lambda v: t(f"data_admin.adopted_{v}")),
    )
    if adopted != "all":
        filters["adopted"] = adopted == "yes"
    return filters


with tab_export:
    export_kind = st.selectbox(
        t("data_admin.kind"), KINDS, format_func=widgets.worded(KINDS, kind_label), key="export_kind"
    )
    filters = register_filters() if export_kind == "enterprises" else {}
    if not may_export(actor, export_kind):
        st.info(t("data_admin.no_export"))
    # the whole table is read for the preview and the files: only when asked, not on every first view
    elif st.toggle(t("data_admin.export_show"), key="export_show"):
        key = ("export", export_kind, actor.username, actor.role)
        key += tuple(sorted((k, str(v)) for k, v in filters.items()))
        table = per_data_version(key, partial(export_table, engine, actor, export_kind, filters))
        rows_message = (
            "data_admin.export_rows" if export_kind == "enterprises" else "data_admin.export_rows_kind"
        )
        st.caption(t(rows_message, rows=len(table)))
        st.dataframe(table.head(PREVIEW_ROWS), hide_index=True, width="stretch", placeholder=numbers.NONE)
        left, right = st.columns(2)
        name = SPECS[export_kind].title
        # the file is made, and the export audited, when the user clicks
        make = {fmt: partial(to_file_bytes, table, fmt, name) for fmt in ("xlsx", "csv")}
        left.download_button(
            t("common.download_xlsx"),
            audited_download(engine, actor, export_kind, "xlsx", len(table), filters, make["xlsx"]),
            f"{name}.xlsx",
            XLSX,
            key="export_xlsx",
        )
        right.download_button(
            t("common.download_csv"),
            audited_download(engine, actor, export_kind, "csv", len(table), filters, make["csv"]),
            f"{name}.csv",
            "text/csv",
            key="export_csv",
        )
