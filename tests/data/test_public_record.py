import datetime as dt

from sqlalchemy import update

from tests.blacklist.db_seed import NAMES, USCC, seed_register
from traceboard.data.models import Inspection
from traceboard.data.public_record import (
    latest_public_date,
    load_enterprise_names,
    load_public_cases,
    load_public_enterprises,
    load_published_results,
)


def test_name_search_binds_and_escapes_like_wildcards(engine):
    seed_register(engine)
    assert load_public_enterprises(engine, "_").empty
    assert load_public_enterprises(engine, "%").empty
    assert load_public_enterprises(engine, "' OR 1=1 --").empty
    assert load_public_enterprises(engine, "HYPERLINK")["name"].tolist() == [NAMES[1]]
    assert load_public_enterprises(engine, f" {USCC[2].lower()} ")["uscc"].tolist() == [USCC[2]]


def test_only_published_facts(engine):
    seed_register(engine)
    assert load_public_cases(engine).empty
    results = load_published_results(engine)
    assert results[["uscc", "result", "published_on"]].values.tolist() == [
        [USCC[0], "false_trace_info", dt.date(2022, 12, 20)]
    ]
    assert latest_public_date(engine) == dt.date(2024, 3, 1)  # the seeded adoption, later than the check
    with engine.begin() as conn:  # a later publication of the check is the latest public fact
        conn.execute(update(Inspection).values(published_on=dt.date(2024, 5, 6)))
    assert latest_public_date(engine) == dt.date(2024, 5, 6)


def test_an_empty_record_has_no_date(engine):
    assert latest_public_date(engine) is None


def test_names_of_given_enterprises_in_one_query(engine):
    seed_register(engine)
    everyone = load_public_enterprises(engine)
    some = everyone.iloc[[2, 0]]
    names = load_enterprise_names(engine, [int(i) for i in some["id"]])
    assert sorted(names.itertuples(index=False, name=None)) == sorted(
        some[["id", "uscc", "name"]].itertuples(index=False, name=None)
    )
    assert all(dtype == "object" for dtype in names.dtypes)
    assert load_enterprise_names(engine, []).empty
