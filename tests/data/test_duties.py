import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from traceboard.data import models as m
from traceboard.data.db import transaction
from traceboard.data.duty_store import county_adoption, duties, duty_records
from traceboard.data.reference import ReferenceError, load_reference, sync_reference


def test_every_member_department_carries_a_duty_of_the_plan(reference):
    carried = {code for d in reference.duties for code in d.departments}
    assert carried == {d.code for d in reference.departments}
    by_code = {d.code: d for d in reference.duties}
    # part 五's support measures, each with the departments the office gave it
    assert "finance" in by_code["fiscal-support"].departments
    assert by_code["procurement"].source == "政府采购在同等条件下优先采购可追溯产品。"
    assert by_code["credit-insurance"].departments == ("finance",)
    assert by_code["office"].departments == ("commerce",)
    # the lead-sector duties of part 三 are carried by every lead of their sector
    for sector in reference.sectors:
        duty = next(d for d in reference.duties if d.sector == sector.code)
        assert duty.part == "三"
        assert set(sector.leads) <= set(duty.departments)
    assert all(d.basis == "plan" or d.note for d in reference.duties)  # an office reading says why


def test_a_duty_naming_an_unknown_department_is_refused(tmp_path):
    text = Path(load_reference().source).read_text(encoding="utf-8")
    bad = tmp_path / "county.toml"
    bad.write_text(text.replace('departments = ["finance"]', 'departments = ["bank"]', 1), encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"duty 信贷支持和产品责任保险: unknown department 'bank'"):
        load_reference(bad)


def test_duties_are_synced_with_their_carriers(engine, reference):
    table = duties(engine)
    assert list(table["code"]) == [d.code for d in reference.duties]
    with engine.connect() as conn:
        finance = conn.scalar(select(m.Unit.id).where(m.Unit.code == "finance"))
    fiscal = table.set_index("code").loc["fiscal-support"]
    assert finance in fiscal["departments"]
    assert fiscal["plan_part"] == "五"
    # a department dropped from a duty in the file stops carrying it; a second sync changes nothing
    changed = dict(reference.__dict__)
    changed["duties"] = tuple(
        d if d.code != "procurement" else d.__class__(**(d.__dict__ | {"departments": ("finance",)}))
        for d in reference.duties
    )
    with transaction(engine) as session:
        assert sync_reference(session, reference.__class__(**changed)) == 1
        assert sync_reference(session, reference.__class__(**changed)) == 0
        assert sync_reference(session, reference) == 1


def test_the_ledger_and_the_county_rates_read_back(engine):
    with transaction(engine) as session:
        unit = session.scalar(select(m.Unit).where(m.Unit.code == "finance"))
        duty = session.scalar(select(m.Duty).where(m.Duty.code == "fiscal-support"))
        session.add(
            m.DutyRecord(
                unit_id=unit.id, duty_id=duty.id, occurred_on=dt.date(2019, 5, 6), kind="资金拨付",
                amount=120000.5, document_no="湘财企〔2019〕12号",
            )
        )  # fmt: skip
        session.add_all(
            [
                m.CountyAdoption(county="湘乡市", year=2019, rate=0.62),
                m.CountyAdoption(county="韶山市", year=2019, rate=0.71),
            ]
        )
    ledger = duty_records(engine, dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert ledger[["kind", "amount", "document_no"]].to_dict("records") == [
        {"kind": "资金拨付", "amount": 120000.5, "document_no": "湘财企〔2019〕12号"}
    ]
    assert ledger["occurred_on"].iloc[0] == dt.datetime(2019, 5, 6)
    assert duty_records(engine, dt.date(2020, 1, 1)).empty
    assert list(county_adoption(engine)["county"]) == ["韶山市", "湘乡市"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.DutyRecord)) == 1
