"""A small, fixed published record with hostile names, shared by the site and golden tests."""

import datetime as dt

import pandas as pd

from traceboard.blacklist.lookup import summarise_enterprises
from traceboard.blacklist.site import SiteRecord

D = dt.date
HOSTILE = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","点我")'
QUOTES = "王记\"老字号\" & 'Sons' </p>"

ENTERPRISES = pd.DataFrame(
    [
        (1, "91430381MPYA9RU06C", HOSTILE, "食品", "望春门街道"),
        (2, "92430381QGYLUJXT16", FORMULA, "食用农产品", "棋梓镇"),
        (3, "91430381T0GTBHQN7N", QUOTES, "药品", "东郊乡"),
        (4, "91430381Y12HUJK11N", "湘乡市福农食品有限责任公司", "食品", "毛田镇"),
    ],
    columns=["id", "uscc", "name", "sector", "township"],
)
EVENTS = pd.DataFrame(
    [
        (1, 1, "adopted", D(2024, 1, 1)),
        (2, 2, "adopted", D(2024, 1, 1)),
        (3, 2, "dropped", D(2025, 6, 1)),
        (4, 4, "adopted", D(2023, 5, 5)),
        (5, 4, "connected", D(2023, 6, 5)),
    ],
    columns=["id", "enterprise_id", "kind", "occurred_on"],
)
BASE = {
    "legal_basis": "《指导意见》（国发〔2016〕33号）",
    "authority": "市食药工商质监局",
    "remedies": "10个工作日内书面提出异议",
}
CASES = pd.DataFrame(
    [
        {
            **BASE,
            "enterprise_id": 1,
            "uscc": ENTERPRISES.uscc[0],
            "name": HOSTILE,
            "state": "published",
            "grounds": HOSTILE,
            "listed_on": D(2025, 2, 6),
            "published_on": D(2025, 2, 9),
            "removed_on": None,
            "removal_reason": None,
            "removal_authority": None,
        },
        {
            **BASE,
            "enterprise_id": 2,
            "uscc": ENTERPRISES.uscc[1],
            "name": FORMULA,
            "state": "published",
            "grounds": FORMULA,
            "listed_on": D(2025, 8, 1),
            "published_on": D(2025, 8, 3),
            "removed_on": None,
            "removal_reason": None,
            "removal_authority": None,
        },
        {
            **BASE,
            "enterprise_id": 3,
            "uscc": ENTERPRISES.uscc[2],
            "name": QUOTES,
            "state": "revoked",
            "grounds": "追溯信息不真实",
            "listed_on": D(2024, 6, 8),
            "published_on": D(2024, 6, 11),
            "removed_on": D(2024, 8, 10),
            "removal_reason": QUOTES,
            "removal_authority": "市农业局",
        },
    ]
)
RESULTS = pd.DataFrame(
    [
        (
            11,
            1,
            ENTERPRISES.uscc[0],
            HOSTILE,
            "市食药工商质监局",
            D(2025, 1, 5),
            "false_trace_info",
            D(2025, 1, 20),
            "追溯信息不真实",
        ),
        (
            12,
            4,
            ENTERPRISES.uscc[3],
            "湘乡市福农食品有限责任公司",
            "市食药工商质监局",
            D(2026, 7, 17),
            "no_problem",
            D(2026, 8, 1),
            "未发现问题",
        ),
    ],
    columns=[
        "id",
        "enterprise_id",
        "uscc",
        "name",
        "department",
        "checked_on",
        "result",
        "published_on",
        "result_label",
    ],
)
ALERTS = [
    {
        "id": 1,
        "title": "关于选购可追溯肉制品的消费提示",
        "body": "认准追溯码。\n扫码可查。",
        "sector": "食品",
        "severity": "info",
        "state": "published",
        "published_on": D(2026, 1, 7),
        "withdrawn_on": None,
        "withdrawn_reason": None,
        "enterprises": [],
    },
    {
        "id": 2,
        "title": HOSTILE,
        "body": FORMULA,
        "sector": None,
        "severity": "warning",
        "state": "withdrawn",
        "published_on": D(2026, 2, 1),
        "withdrawn_on": D(2026, 2, 20),
        "withdrawn_reason": QUOTES,
        "enterprises": [{"uscc": ENTERPRISES.uscc[0], "name": HOSTILE}],
    },
]
AS_OF = D(2026, 10, 30)


def fixed_record() -> SiteRecord:
    summary = summarise_enterprises(ENTERPRISES, EVENTS, CASES, RESULTS, AS_OF)
    return SiteRecord(AS_OF, ALERTS, CASES, RESULTS, summary)
