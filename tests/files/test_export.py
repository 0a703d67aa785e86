"""Exports: the register and every other kind, with filters; export → import gives the same record."""

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.data import models as m
from traceboard.data.db import make_engine
from traceboard.data.migrate import init_database
from traceboard.services.exports import ExportError, export_table, may_export, to_file_bytes
from traceboard.services.imports import KINDS, SPECS, check_upload, import_validated

OFFICE = Actor("office1", "office")


def round_trip(engine, kind: str, fmt: str) -> tuple[pd.DataFrame, bytes]:
    table = export_table(engine, OFFICE, kind)
    return table, to_file_bytes(table, fmt, SPECS[kind].title)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_register_round_trip_into_an_empty_database_gives_the_same_register(demo_engine, tmp_path, fmt):
    table, content = round_trip(demo_engine, "enterprises", fmt)
    assert len(table) == 400
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    init_database(fresh)
    validation = check_upload(fresh, "enterprises", content, f"名录.{fmt}")
    assert validation.ok, validation.lines()[:3]
    summary = import_validated(fresh, OFFICE, validation)
    assert summary.counts["added"] == 400
    again = export_table(fresh, OFFICE, "enterprises")
    pd.testing.assert_frame_equal(again, table)
    fresh.dispose()


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "traceability"])
def test_every_kind_re_imports_into_its_own_database_unchanged(demo_engine, kind):
    table = export_table(demo_engine, OFFICE, kind)
    content = to_file_bytes(table, "xlsx", SPECS[kind].title)
    assert len(table) > 0
    validation = check_upload(demo_engine, kind, content, f"{kind}.xlsx")
    assert validation.ok, validation.lines()[:3]
    summary = import_validated(demo_engine, OFFICE, validation)
    counts = {k: summary.counts[k] for k in ("added", "updated", "unchanged")}
    assert counts == {"added": 0, "updated": 0, "unchanged": len(table)}
    assert summary.previous is None  # nothing imported before, nothing written now


def test_traceability_round_trip_adds_no_event(demo_engine):
    with demo_engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(m.TraceEvent))
    _table, content = round_trip(demo_engine, "traceability", "csv")
    validation = check_upload(demo_engine, "traceability", content, "t.csv")
    summary = import_validated(demo_engine, OFFICE, validation)
    assert (summary.counts["updated"], summary.counts["unchanged"]) == (0, 400)
    with demo_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.TraceEvent)) == before


def test_filters_match_names_like_the_importer(demo_engine):
    whole = export_table(demo_engine, OFFICE, "enterprises")
    some = export_table(
        demo_engine,
        OFFICE,
        "enterprises",
        {"township": ["山枣", " 栗山镇"], "sector": ["食品"], "adopted": True},
    )
    expected = whole[
        whole["所属乡镇"].isin(["山枣镇", "栗山镇"])
        & (whole["行业类别"] == "食品")
        & (whole["是否建立信息化追溯体系"] == "是")
    ]
    assert len(some) > 0
    assert some["统一社会信用代码"].tolist() == expected["统一社会信用代码"].tolist()
    with pytest.raises(ExportError, match="filter 'adopted' does not apply to inspectors"):
        export_table(demo_engine, OFFICE, "inspectors", {"adopted": True})


def test_personal_data_needs_personal_read(demo_engine):
    with pytest.raises(PermissionDenied):
        export_table(demo_engine, Actor("boss", "leader"), "inspectors")
    assert len(export_table(demo_engine, Actor("boss", "leader"), "enterprises")) == 400


def test_exports_neutralise_formulas(engine):
    content = '统一社会信用代码,企业名称,所属乡镇,行业类别\n91430111MA4L41YT1U,=HYPERLINK("x"),山枣镇,食品\n'
    validation = check_upload(engine, "enterprises", content.encode(), "a.csv")
    import_validated(engine, OFFICE, validation)
    table = export_table(engine, OFFICE, "enterprises")
    csv_text = to_file_bytes(table, "csv", "x").decode("utf-8-sig")
    assert '\'=HYPERLINK(""x"")' in csv_text
    sheet = pd.read_excel(io.BytesIO(to_file_bytes(table, "xlsx", "名录")), dtype=str, engine="calamine")
    assert sheet.loc[0, "企业名称"] == '\'=HYPERLINK("x")'
    again = check_upload(engine, "enterprises", to_file_bytes(table, "csv", "x"), "b.csv")
    assert again.values["name"].tolist() == ['=HYPERLINK("x")']  # the apostrophe is not part of the name
    assert import_validated(engine, OFFICE, again).counts["unchanged"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_may_export_answers_as_the_export_itself_does(demo_engine, kind):
    for actor in (OFFICE, Actor("boss", "leader"), Actor("li", "inspector", 4)):
        try:
            export_table(demo_engine, actor, kind)
            allowed = True
        except PermissionDenied:
            allowed = False
        assert may_export(actor, kind) is allowed
