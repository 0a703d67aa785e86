"""The timetable's rules on hand-made tables: standings, days late, the city's rank."""

import datetime as dt

import pandas as pd

from traceboard.metrics.timetable import city_rank_by_year, county_ranks, milestone_standings

ts = pd.Timestamp


def test_standings_say_on_time_late_overdue_and_not_yet_due_with_days_late():
    owed = pd.DataFrame(
        {
            "unit_id": [1, 2, 3, 4],
            "kind": ["platform_built"] * 4,
            "due_on": [ts("2019-07-31")] * 3 + [ts("2027-01-01")],
        }
    )
    recorded = pd.DataFrame(
        {
            "unit_id": [1, 2, 5],
            "kind": ["platform_built", "platform_built", "plan_submitted"],
            "due_on": [ts("2019-07-31"), ts("2018-01-01"), ts("2017-12-31")],  # unit 2's own date loses
            "achieved_on": [ts("2019-07-31"), ts("2019-08-10"), ts("2018-01-02")],
        }
    )
    got = milestone_standings(owed, recorded, dt.date(2019, 9, 30)).set_index("unit_id")
    assert got["status"].to_dict() == {1: "on_time", 2: "late", 3: "overdue", 4: "not_due", 5: "late"}
    assert got["days_late"].dropna().to_dict() == {2: 10, 3: 61, 5: 2}  # overdue: counted to the day asked


def test_the_city_ranks_among_the_published_counties_ties_share_a_place():
    published = pd.DataFrame(
        {
            "county": ["韶山市", "湘潭县", "湘乡市", "韶山市", "湘潭县"],
            "year": [2019, 2019, 2019, 2020, 2020],
            "rate": [0.50, 0.40, 0.40, 0.60, 0.55],
        }
    )
    own = pd.DataFrame({"year": [2019, 2020, 2021], "rate": [0.99, 0.58, 0.70]})
    ranks = county_ranks(published, "湘乡市", own)
    city = city_rank_by_year(ranks).set_index("year")
    # 2019: the published 0.40 stands (not the register's 0.99), tied with 湘潭县 for 2nd;
    # 2020: not published, the register's 0.58 places 2nd of 3; 2021: nothing published, no rank
    assert city["rank"].to_dict() == {2019: 2, 2020: 2}
    assert city["published"].to_dict() == {2019: True, 2020: False}
    assert city["counties"].to_dict() == {2019: 3, 2020: 3}
    assert ranks.loc[(ranks["year"] == 2019) & (ranks["county"] == "湘潭县"), "rank"].item() == 2
