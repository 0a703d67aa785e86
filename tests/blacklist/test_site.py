"""The public site: escaping in every format, valid Atom, same bytes for the same record (golden files).

Regenerate the golden files after an intended change with

    TRACEBOARD_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/blacklist/test_site.py -p no:cacheprovider

and review the diff under tests/blacklist/golden/ before committing it. Nothing is
scrubbed: the site has no generation timestamp (its one date comes from the record).
"""

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.blacklist.site_fixture import FORMULA, HOSTILE, QUOTES, fixed_record
from traceboard.blacklist.site import render_site, to_script_json

GOLDEN = Path(__file__).parent / "golden"
ATOM = "{http://www.w3.org/2005/Atom}"
EXPECTED_FILES = [
    "alerts.atom",
    "alerts.json",
    "alerts/1.html",
    "alerts/2.html",
    "blacklist.csv",
    "blacklist.html",
    "blacklist.json",
    "draw-howto.html",
    "draws.html",
    "index.html",
    "results.html",
]


@pytest.fixture(scope="module")
def site():
    return render_site(fixed_record())


def test_the_site_has_every_file(site):
    assert list(site) == EXPECTED_FILES


def test_same_record_same_bytes(site):
    assert render_site(fixed_record()) == site


@pytest.mark.parametrize("name", EXPECTED_FILES)
def test_golden_files(site, name):
    path = GOLDEN / name
    if os.environ.get("TRACEBOARD_REGENERATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(site[name])
    assert site[name] == path.read_bytes(), f"{name} differs from its golden file (see module docstring)"


class TextCollector(HTMLParser):
    """The page's text nodes and the names of its elements, as a browser would parse them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("name", [n for n in EXPECTED_FILES if n.endswith(".html")])
def test_html_escapes_hostile_text_and_is_self_contained(site, name):
    html = site[name].decode("utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">')
    assert all(raw not in html for raw in (HOSTILE, QUOTES, FORMULA)), "raw text must be escaped"
    parser = TextCollector()
    parser.feed(html)
    scripts = parser.tags.count("script")
    assert scripts == (3 if name == "index.html" else 0), "index.html alone: data, alerts, code"
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external resources"
    offsite = re.search(r"url\(|@import|<[a-z]+ [^>]*(https?:)?//", html)
    assert not offsite, "no fonts, styles or tags from elsewhere"


def test_hostile_names_appear_as_text_on_the_pages(site):
    parser = TextCollector()
    parser.feed(site["blacklist.html"].decode("utf-8"))
    text = "".join(parser.text)
    assert HOSTILE in text and FORMULA in text and QUOTES in text
    alert = TextCollector()
    alert.feed(site["alerts/2.html"].decode("utf-8"))
    assert f"【已撤回】{HOSTILE}" in "".join(alert.text)
    assert "撤回原因：" + QUOTES in "".join(alert.text)


def test_the_embedded_search_index_cannot_end_its_script(site):
    html = site["index.html"].decode("utf-8")
    start = html.index('<script type="application/json" id="index-data">') + len(
        '<script type="application/json" id="index-data">'
    )
    raw = html[start : html.index("</script>", start)]
    rows = json.loads(raw)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert rows == [
        ["91430381MPYA9RU06C", HOSTILE, 1, 1, "追溯信息不真实", "2025-01-05"],
        ["91430381T0GTBHQN7N", QUOTES, 0, 0, "", ""],
        ["91430381Y12HUJK11N", "湘乡市福农食品有限责任公司", 1, 0, "未发现问题", "2026-07-17"],
        ["92430381QGYLUJXT16", FORMULA, 0, 1, "", ""],
    ]
    assert to_script_json(["\u2028</script>"]) == '["\\u2028\\u003c/script\\u003e"]'


def test_atom_is_valid_atom_1_0(site):
    feed = ET.fromstring(site["alerts.atom"])
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert feed.find(ATOM + required).text
    assert feed.find(f"{ATOM}updated").text == "2026-02-20T00:00:00+08:00"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        "urn:traceboard:430381:alerts:alert:2",
        "urn:traceboard:430381:alerts:alert:1",
    ]
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.find(ATOM + required).text
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"
    assert entries[0].find(f"{ATOM}title").text == f"【已撤回】{HOSTILE}"
    assert entries[0].find(f"{ATOM}summary").text == f"已于 2026-02-20 撤回：{QUOTES}\n{FORMULA}"


def test_json_files_keep_text_exactly(site):
    alerts = json.loads(site["alerts.json"])
    assert [a["id"] for a in alerts["alerts"]] == [2, 1]
    assert alerts["alerts"][0]["title"] == HOSTILE and alerts["alerts"][0]["body"] == FORMULA
    assert alerts["alerts"][0]["state"] == "withdrawn" and alerts["alerts"][0]["withdrawn_reason"] == QUOTES
    blacklist = json.loads(site["blacklist.json"])
    assert blacklist["as_of"] == "2026-10-30"
    assert [c["name"] for c in blacklist["current"]] == [FORMULA, HOSTILE]
    assert [(c["name"], c["status"], c["removed_on"]) for c in blacklist["removed"]] == [
        (QUOTES, "撤销列入", "2024-08-10")
    ]


def test_csv_neutralises_formulas(site):
    data = site["blacklist.csv"]
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["企业名称", "统一社会信用代码", "状态"]
    assert [r[0] for r in rows[1:]] == ["'" + FORMULA, HOSTILE, QUOTES]
    assert rows[1][5] == "'" + FORMULA  # the grounds too
    assert rows[3][10] == QUOTES and rows[3][2] == "撤销列入"


def test_control_characters_in_the_record_leave_every_file_well_formed_and_clean():
    record = fixed_record()
    dirty = "消费\x1b[31m提示\x0b响铃\x07"
    alerts = [{**a, "title": dirty, "body": dirty, "withdrawn_reason": dirty} for a in record.alerts]
    cases = record.cases.assign(name=dirty)
    files = render_site(replace(record, alerts=alerts, cases=cases))
    feed = ET.fromstring(files["alerts.atom"])  # ill-formed XML raised here before
    assert feed.find(f"{ATOM}entry/{ATOM}title").text.endswith("消费[31m提示响铃")
    for name, content in files.items():
        if name.endswith((".html", ".atom", ".csv")):
            assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", content), name


def test_the_look_up_shows_the_published_alerts_that_name_an_enterprise_not_the_withdrawn():
    from tests.blacklist.site_fixture import ENTERPRISES

    record = fixed_record()
    published, withdrawn = (dict(a) for a in record.alerts)
    named = [{"uscc": ENTERPRISES.uscc[1], "name": "某企业"}]
    published = {**published, "title": HOSTILE, "enterprises": named}
    html = render_site(replace(record, alerts=[published, withdrawn]))["index.html"].decode()
    found = re.search(r'<script type="application/json" id="alert-data">(.*?)</script>', html, re.S)
    assert "<" not in found.group(1), "the titles are escaped for the script element"
    assert json.loads(found.group(1)) == {ENTERPRISES.uscc[1]: [[1, HOSTILE, "2026-01-07"]]}
    assert ENTERPRISES.uscc[0] not in json.loads(found.group(1)), "a withdrawn alert is said of no one"
    assert 'l.href="alerts/"+a[0]+".html"' in html, "the look-up links each alert's page"
