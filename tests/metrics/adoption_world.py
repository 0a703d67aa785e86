"""A small hand-built register for the adoption tests (metrics, command, page).

Nine enterprises in two townships (望春门街道 T1, 山枣镇 T2), two sectors
(食用农产品 farm, 食品 food), two departments (市商务粮食局 D1, 市农业局 D2),
with names from the reference data so that the same world can go into a
database. At 2020-06-30, by hand:

no town sector sub  dept registered closed     events                         active adopted conn.
1  T1   farm   肉类 D1   —          —          +2019-03-01, conn. 2019-06-01  yes    yes     yes
2  T1   farm   蔬菜 D2   2018-01-01 —          +2018-05-01, drop 2020-01-10   yes    no      no
3  T1   food   白酒 D1   —          2020-03-01 +2019-05-01                    no     -       -
4  T1   food   白酒 D1   2020-07-01 —          +2020-07-01                    no     -       -
5  T2   farm   肉类 D1   —          —          +2020-06-30 (exactly the date) yes    yes     no
6  T2   farm   蔬菜 D2   —          —          none                           yes    no      no
7  T2   food   白酒 D1   —          —          +2019-01-01, conn. 2019-02-01,
                                               disconn. 2020-02-01            yes    yes     no
8  T2   food   白酒 D2   —          —          +2020-07-01 (after the date)   yes    no      no
9  T1   farm   肉类 D1   —          —          +2017-01-01, drop 2018-06-01,
                                               +2019-12-01                    yes    yes     no

(+ is an adoption.) Targets (TARGETS below): farm 2019 0.50, 2020 0.60; food 2020 0.80 (none for 2019).

The world's platform feed (JSONL_FEED, CSV_FEED) is read by hand in tests/cli/test_platform_cmds.py:
at 2020-06-30 with the 90-day window nos. 1, 2 and 7 are active, 9 and 5 declared but silent.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from traceboard.data.frame import RegisterFrame, build_frame

D = dt.date
T1, T2 = "望春门街道", "山枣镇"
D1, D2 = "市商务粮食局", "市农业局"
FARM, FOOD = "食用农产品", "食品"

UNITS = pd.DataFrame(
    {
        "id": [1, 2, 10, 11],
        "code": ["430381001", "430381100", "commerce", "agriculture"],
        "name": [T1, T2, D1, D2],
        "short_name": ["望春门", "山枣", None, None],
        "kind": ["subdistrict", "town", "department", "department"],
        "map_row": [3, 1, None, None],
        "map_col": [3, 4, None, None],
    }
)
SECTORS = pd.DataFrame({"id": [1, 2], "code": ["farm", "food"], "name": [FARM, FOOD]})
SUBCATS = pd.DataFrame({"id": [1, 2, 3], "sector_id": [1, 1, 2], "name": ["肉类", "蔬菜", "白酒"]})
USCC = {i: f"91430381TEST{i:05d}X" for i in range(1, 10)}
ROWS = [  # id, township, sector, subcategory, department, registered, closed
    (1, 1, 1, 1, 10, None, None),
    (2, 1, 1, 2, 11, D(2018, 1, 1), None),
    (3, 1, 2, 3, 10, None, D(2020, 3, 1)),
    (4, 1, 2, 3, 10, D(2020, 7, 1), None),
    (5, 2, 1, 1, 10, None, None),
    (6, 2, 1, 2, 11, None, None),
    (7, 2, 2, 3, 10, None, None),
    (8, 2, 2, 3, 11, None, None),
    (9, 1, 1, 1, 10, None, None),
]
EVENTS = [  # enterprise, kind, date (in the order they happened)
    (9, "adopted", D(2017, 1, 1)),
    (2, "adopted", D(2018, 5, 1)),
    (9, "dropped", D(2018, 6, 1)),
    (7, "adopted", D(2019, 1, 1)),
    (7, "connected", D(2019, 2, 1)),
    (1, "adopted", D(2019, 3, 1)),
    (3, "adopted", D(2019, 5, 1)),
    (1, "connected", D(2019, 6, 1)),
    (9, "adopted", D(2019, 12, 1)),
    (2, "dropped", D(2020, 1, 10)),
    (7, "disconnected", D(2020, 2, 1)),
    (5, "adopted", D(2020, 6, 30)),
    (4, "adopted", D(2020, 7, 1)),
    (8, "adopted", D(2020, 7, 1)),
]
JSONL_FEED = [
    {"platform": "hunan-important", "uscc": USCC[1], "date": "2020-01-10", "records": 30},
    {
        "platform": "hunan-important",
        "uscc": USCC[1],
        "date": "2020-06-15",
        "records": 12,
        "batches": 3,
        "items": {"subject": True, "product": True, "batch": True, "transaction": False},
    },
    {"platform": "xiangtan", "uscc": USCC[2], "date": "2020-05-20", "records": 4},
    {"platform": "hunan-important", "uscc": USCC[3], "date": "2020-06-01", "records": 5},
    {"platform": "hunan-important", "uscc": USCC[4], "date": "2020-06-20", "records": 2},
]
# the same feed goes on as CSV with the Chinese headers (platform by its Chinese name too)
CSV_FEED = (
    "平台,统一社会信用代码,日期,上传记录数,批次数,数据项\n"
    f"xiangtan,{USCC[9]},2020-04-01,8,,\n"
    f"湖南省重要产品追溯管理平台,{USCC[5]},2020-06-30,0,0,\n"
    f"xiangtan,{USCC[7]},2020-04-02,3,1,主体、产品、批次、交易、时间、地点\n"
    f"xiangtan,{USCC[8]},2020-07-01,9,,\n"
)


TARGETS = pd.DataFrame(
    [
        ("farm", 2019, "adoption", 0.5),
        ("farm", 2020, "adoption", 0.6),
        ("food", 2020, "adoption", 0.8),
        ("farm", 2020, "connection", 0.3),
        ("food", 2020, "connection", 0.5),
    ],
    columns=["sector", "year", "kind", "target"],
)
TARGETS_TOML = """
assumption = "test"
[sectors.farm]
adoption = { 2019 = 0.5, 2020 = 0.6 }
connection = { 2020 = 0.3 }
[sectors.food]
adoption = { 2020 = 0.8 }
connection = { 2020 = 0.5 }
"""


def enterprise_rows() -> pd.DataFrame:
    columns = [
        "id",
        "township_id",
        "sector_id",
        "subcategory_id",
        "department_id",
        "registered_on",
        "closed_on",
    ]
    ent = pd.DataFrame(ROWS, columns=columns)
    ent.insert(1, "uscc", ent["id"].map(USCC))
    ent.insert(2, "name", [f"企业{i}" for i in ent["id"]])
    ent["risk_class"] = "B"
    return ent


def event_rows() -> pd.DataFrame:
    return pd.DataFrame(EVENTS, columns=["enterprise_id", "kind", "occurred_on"])


def small_frame() -> RegisterFrame:
    return build_frame(1, UNITS, SECTORS, SUBCATS, enterprise_rows(), event_rows())


def seed_database(engine) -> None:
    """Write the world into a database that holds the reference data (units and sectors by name)."""
    from sqlalchemy import select

    from traceboard.data import models as m
    from traceboard.data.db import transaction

    with transaction(engine) as session:
        units = dict(session.execute(select(m.Unit.name, m.Unit.id)).all())
        sectors = dict(session.execute(select(m.Sector.code, m.Sector.id)).all())
        subcats = dict(session.execute(select(m.Subcategory.name, m.Subcategory.id)).all())
        local = {
            "unit": dict(zip(UNITS["id"], UNITS["name"], strict=True)),
            "sector": dict(zip(SECTORS["id"], SECTORS["code"], strict=True)),
            "sub": dict(zip(SUBCATS["id"], SUBCATS["name"], strict=True)),
        }
        for r in enterprise_rows().itertuples():
            session.add(
                m.Enterprise(
                    id=int(r.id) + 1000,
                    uscc=r.uscc,
                    name=r.name,
                    township_id=units[local["unit"][r.township_id]],
                    sector_id=sectors[local["sector"][r.sector_id]],
                    subcategory_id=subcats[local["sub"][r.subcategory_id]],
                    department_id=units[local["unit"][r.department_id]],
                    registered_on=None if pd.isna(r.registered_on) else r.registered_on,
                    closed_on=None if pd.isna(r.closed_on) else r.closed_on,
                    risk_class="B",
                )
            )
        session.flush()
        for enterprise, kind, date in EVENTS:
            session.add(
                m.TraceEvent(enterprise_id=enterprise + 1000, kind=kind, occurred_on=date, source="test")
            )


def seed_feed(engine) -> None:
    """Ingest the world's feed (both files) through the same service as the command and the page."""
    import json

    from traceboard.accounts.authz import Actor
    from traceboard.services.platform_feeds import ingest_feed

    office = Actor("office1", "office")
    jsonl = "\n".join(json.dumps(r, ensure_ascii=False) for r in JSONL_FEED).encode()
    ingest_feed(engine, office, jsonl, "feed.jsonl")
    ingest_feed(engine, office, CSV_FEED.encode(), "feed.csv")
