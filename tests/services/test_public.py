"""The public record from the database: only published facts, same bytes for the same record."""

import datetime as dt

from tests.blacklist.db_seed import NAMES, OFFICE, PUBLICITY, PUBLICITY2, USCC, drafted_on, seed_register
from traceboard.blacklist.alerts import AlertDraft
from traceboard.blacklist.lifecycle import Move
from traceboard.services import blacklist as actions
from traceboard.services import public

D = dt.date


def test_only_published_cases_are_public(engine):
    seed_register(engine)
    case = actions.propose_case(engine, OFFICE, USCC[0], "追溯信息不真实", on=D(2026, 2, 1))
    actions.move_case(engine, OFFICE, case, Move("notified", D(2026, 2, 2), ""))
    actions.move_case(engine, OFFICE, case, Move("listed", D(2026, 2, 20), "", authority="市食药工商质监局"))
    [answer] = public.look_up(engine, USCC[0], D(2026, 3, 1))
    assert (answer["blacklisted"], answer["cases"]) == (False, [])
    actions.move_case(engine, PUBLICITY, case, Move("published", D(2026, 2, 22), ""))
    [answer] = public.look_up(engine, USCC[0].lower(), D(2026, 3, 1))
    assert answer["blacklisted"] is True
    assert [(c["grounds"], c["listed_on"], c["authority"]) for c in answer["cases"]] == [
        ("追溯信息不真实", D(2026, 2, 20), "市食药工商质监局")
    ]
    assert "decided_by" not in answer["cases"][0]
    assert answer["procurement"] == {"ok": False, "reason": "blacklisted"}
    assert [(r["checked_on"], r["result_label"]) for r in answer["results"]] == [
        (D(2022, 12, 5), "追溯信息不真实")
    ]


def test_look_up_by_name_and_the_procurement_question(engine):
    seed_register(engine)
    [answer] = public.look_up(engine, "福农", D(2024, 3, 1))
    assert (answer["uscc"], answer["traceable"], answer["procurement"]) == (
        USCC[2],
        True,
        {"ok": True, "reason": "ok"},
    )
    [before] = public.look_up(engine, "福农", D(2024, 2, 29))
    assert before["procurement"] == {"ok": False, "reason": "not_traceable"}
    assert public.look_up(engine, "%", D(2024, 3, 1)) == [], "LIKE wildcards are matched literally"
    assert [a["name"] for a in public.look_up(engine, "script", D(2024, 3, 1))] == [NAMES[0]]
    assert public.look_up(engine, "  ") == []


def test_site_from_the_record_is_the_same_bytes_each_time(engine):
    seed_register(engine)
    alert = actions.draft_alert(engine, PUBLICITY, AlertDraft(NAMES[0], NAMES[1], "food", (USCC[0],)))
    drafted_on(engine, alert, D(2026, 4, 28))
    actions.move_alert(engine, OFFICE, alert, "approved", D(2026, 4, 30))
    actions.move_alert(engine, PUBLICITY2, alert, "published", D(2026, 5, 1))
    assert public.site_as_of(engine) == D(2026, 5, 1)
    first = public.build_site(engine)
    assert public.build_site(engine) == first
    assert f"alerts/{alert}.html" in first
    assert "数据截至 2026-05-01" in first["index.html"].decode()
    assert NAMES[0] not in first["index.html"].decode()


def test_sqlite_and_postgresql_publish_the_same_bytes(
    tmp_path, sqlite_template, postgres_database, reference
):
    import shutil

    from tests.conftest import _empty_postgres
    from traceboard.data.db import make_engine

    shutil.copy(sqlite_template, tmp_path / "same.db")
    _empty_postgres(postgres_database, reference)
    sites = []
    for url in (f"sqlite:///{tmp_path / 'same.db'}", postgres_database):
        engine = make_engine(url)
        seed_register(engine)
        case = actions.propose_case(engine, OFFICE, USCC[1], NAMES[1], on=D(2026, 2, 1))
        actions.move_case(engine, OFFICE, case, Move("notified", D(2026, 2, 2), ""))
        actions.move_case(
            engine, OFFICE, case, Move("listed", D(2026, 2, 20), "", authority="市食药工商质监局")
        )
        actions.move_case(engine, PUBLICITY, case, Move("published", D(2026, 2, 22), ""))
        alert = actions.draft_alert(engine, PUBLICITY, AlertDraft(NAMES[0], NAMES[1], "food", (USCC[0],)))
        drafted_on(engine, alert, D(2026, 4, 28))
        actions.move_alert(engine, OFFICE, alert, "approved", D(2026, 4, 30))
        actions.move_alert(engine, PUBLICITY2, alert, "published", D(2026, 5, 1))
        sites.append(public.build_site(engine))
        engine.dispose()
    assert sites[0] == sites[1]
    assert list(sites[0]) == [
        "alerts.atom",
        "alerts.json",
        "alerts/1.html",
        "blacklist.csv",
        "blacklist.html",
        "blacklist.json",
        "draw-howto.html",
        "draws.html",
        "index.html",
        "results.html",
    ]
