"""The blacklist, alert, publish and lookup commands, in-process on both backends."""

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from tests.blacklist.db_seed import NAMES, USCC, seed_register
from traceboard.cli.main import main
from traceboard.data import models as m


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seeded(engine):
    return seed_register(engine)


def last_line(out: str) -> str:
    return out.strip().splitlines()[-1]


def walk(capsys, ids):
    code, out, _ = run(
        capsys,
        "blacklist",
        "propose",
        USCC[0],
        "--grounds",
        NAMES[0],
        "--basis",
        "国发〔2016〕33号",
        "--source-inspection",
        str(ids["inspection"]),
        "--on",
        "2025-02-01",
        "--as",
        "wang",
    )
    assert code == 0
    case = last_line(out)
    assert case.isdigit()
    for args in (
        ["notify", case, "--on", "2025-02-05"],
        ["list", case, "--authority", "市食药工商质监局", "--on", "2025-03-01"],
        ["publish", case, "--on", "2025-03-03"],
    ):
        code, out, err = run(capsys, "blacklist", *args, "--as", "wang")
        assert code == 0, err
    return case


def test_the_life_of_a_case_on_the_command_line(capsys, seeded):
    case = walk(capsys, seeded)
    code, out, err = run(
        capsys,
        "blacklist",
        "repair",
        case,
        "--reason",
        "修复",
        "--on",
        "2026-02-28",
        "--obligations-fulfilled",
        "--rectified",
        "--no-new-serious-penalty",
        "--commitment-signed",
        "--as",
        "wang",
    )
    assert (code, err.strip()) == (
        1,
        "traceboard: credit repair is possible from 2026-03-01 "
        "(1 year(s) after listing on 2025-03-01), not on 2026-02-28",
    )
    code, out, err = run(
        capsys,
        "blacklist",
        "repair",
        case,
        "--reason",
        "修复",
        "--on",
        "2026-03-01",
        "--obligations-fulfilled",
        "--as",
        "wang",
    )
    assert code == 1 and "missing: rectified, no_new_serious_penalty, credit_commitment_signed" in err
    code, out, err = run(
        capsys, "blacklist", "revoke", case, "--reason", "列入错误", "--on", "2026-03-01", "--as", "wang"
    )
    assert (code, out.strip()) == (0, f"case {case}: published → revoked on 2026-03-01")
    code, out, err = run(capsys, "blacklist", "notify", case, "--as", "wang")
    assert (code, err.strip()) == (
        1,
        "traceboard: cannot move a revoked case to notified; allowed from revoked: none (the case is closed)",
    )
    code, out, _ = run(capsys, "blacklist", "show", case, "--format", "json")
    events = json.loads(out)
    assert [(e["from_state"], e["to_state"], e["occurred_on"]) for e in events] == [
        (None, "proposed", "2025-02-01"),
        ("proposed", "notified", "2025-02-05"),
        ("notified", "listed", "2025-03-01"),
        ("listed", "published", "2025-03-03"),
        ("published", "revoked", "2026-03-01"),
    ]


def test_decisions_may_not_be_dated_after_today(capsys, seeded, engine):
    case = walk(capsys, seeded)
    next_year = (dt.date.today() + dt.timedelta(days=366)).isoformat()
    repair = ["--obligations-fulfilled", "--rectified", "--no-new-serious-penalty", "--commitment-signed"]
    code, _, err = run(
        capsys, "blacklist", "repair", case, "--reason", "修复", "--on", next_year, *repair, "--as", "wang"
    )
    assert code == 1 and f"dated {next_year}, after today" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "blacklist", "expire", "--as-of", "2099-01-01", "--as", "wang")
    assert (code, err.strip()) == (
        1,
        f"traceboard: the expiry is dated 2099-01-01, after today ({dt.date.today()}); "
        "a decision may be back-dated, never dated ahead",
    )
    code, out, _ = run(capsys, "blacklist", "show", "--state", "published")
    assert case in out  # nothing moved
    # A back-dated decision is fine; its audit row keeps the stated date and the real time.
    code, _, err = run(
        capsys, "blacklist", "revoke", case, "--reason", "列入错误", "--on", "2025-03-04", "--as", "wang"
    )
    assert code == 0, err
    with engine.connect() as conn:
        row = conn.execute(
            select(m.AuditLog.at, m.AuditLog.after).order_by(m.AuditLog.id.desc()).limit(1)
        ).one()
    assert "2025-03-04" in str(row.after)
    assert abs(row.at.replace(tzinfo=None) - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
        minutes=5
    )


def test_illegal_moves_and_missing_acting_user_are_one_line_refusals(capsys, seeded):
    code, out, _ = run(
        capsys, "blacklist", "propose", USCC[1], "--grounds", "事由", "--basis", "b", "--as", "wang"
    )
    case = last_line(out)
    code, _, err = run(capsys, "blacklist", "publish", case, "--as", "wang")
    assert (code, err.strip()) == (
        1,
        "traceboard: cannot move a proposed case to published; allowed from proposed: notified, rejected",
    )
    code, _, err = run(capsys, "blacklist", "notify", case)
    assert code == 1 and "--as NAME" in err
    code, _, err = run(capsys, "blacklist", "list", case, "--authority", "x", "--as", "li")
    assert code == 1 and "li (publicity) may not blacklist.decide" in err
    code, _, err = run(capsys, "blacklist", "notify", "404", "--as", "wang")
    assert (code, err.strip()) == (1, "traceboard: no blacklist case 404")


def test_expire_and_show_formats(capsys, seeded, monkeypatch):
    monkeypatch.setattr("traceboard.decision_dates.today", lambda: dt.date(2030, 1, 1))  # expiry is years off
    case = walk(capsys, seeded)
    code, out, _ = run(capsys, "blacklist", "expire", "--as-of", "2028-02-29", "--as", "wang")
    assert (code, out.strip()) == (0, "0 case(s) expired as of 2028-02-29")
    code, out, _ = run(capsys, "blacklist", "expire", "--as-of", "2028-03-01", "--as", "wang")
    assert out.strip().splitlines() == [
        f"case {case}: expired on 2028-03-01",
        "1 case(s) expired as of 2028-03-01",
    ]
    code, out, _ = run(capsys, "blacklist", "show", "--state", "expired", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "id",
        "state",
        "uscc",
        "name",
        "proposed_on",
        "listed_on",
        "published_on",
        "removed_on",
    ]
    assert rows[1] == [
        case,
        "expired",
        USCC[0],
        NAMES[0],
        "2025-02-01",
        "2025-03-01",
        "2025-03-03",
        "2028-03-01",
    ]
    code, out, _ = run(capsys, "blacklist", "show", "--state", "proposed")
    assert out.strip() == "(none)"


def test_alerts_four_eyes_and_ids_on_the_last_line(capsys, seeded):
    code, out, _ = run(
        capsys,
        "alert",
        "draft",
        "--title",
        NAMES[1],
        "--body",
        "正文",
        "--sector",
        "food",
        "--enterprise",
        USCC[0],
        "--as",
        "li",
    )
    alert = last_line(out)
    assert code == 0 and alert.isdigit()
    code, _, err = run(capsys, "alert", "approve", alert, "--as", "li")
    assert (code, err.strip()) == (1, "traceboard: li drafted this alert; another user must approve it")
    today = dt.date.today()  # drafted today: its approval is stated today at the earliest
    yesterday, tomorrow = str(today - dt.timedelta(days=1)), str(today + dt.timedelta(days=1))
    code, _, err = run(capsys, "alert", "approve", alert, "--on", yesterday, "--as", "chen")
    assert (code, err.strip()) == (
        1,
        f"traceboard: the alert approved is dated {yesterday}, before the previous step on {today}",
    )
    assert run(capsys, "alert", "approve", alert, "--on", str(today), "--as", "chen")[:2] == (
        0,
        f"alert {alert}: approved\n",
    )
    code, _, err = run(capsys, "alert", "publish", alert, "--on", tomorrow, "--as", "li")
    assert code == 1 and f"dated {tomorrow}, after today" in err
    assert run(capsys, "alert", "publish", alert, "--on", str(today), "--as", "li")[0] == 0
    code, _, err = run(capsys, "alert", "withdraw", alert, "--as", "li")
    assert code == 2 and "--reason" in err
    assert run(capsys, "alert", "withdraw", alert, "--reason", "更正", "--as", "li")[0] == 0
    code, out, _ = run(capsys, "alert", "draft", "--from-sector", "drug", "--as", "li")
    assert "《关于安全购药的消费提示》" in out
    code, out, _ = run(capsys, "alert", "show", "--format", "json")
    shown = {a["id"]: a for a in json.loads(out)}
    assert (shown[int(alert)]["state"], shown[int(alert)]["withdrawn_reason"]) == ("withdrawn", "更正")
    assert shown[int(alert)]["approved_on"] == str(today)


def test_publish_writes_the_site_and_lookup_answers(capsys, seeded, tmp_path):
    walk(capsys, seeded)
    code, _, err = run(capsys, "publish", "--out", str(tmp_path / "site"), "--as", "wang")
    assert code == 1 and "may not site.publish" in err
    code, out, err = run(capsys, "publish", "--out", str(tmp_path / "site"), "--as", "li")
    # 抽查公示 (draws.html, draw-howto.html) beside the blacklist, alerts and results
    assert (code, out.strip()) == (0, f"10 files written to {tmp_path / 'site'}"), err
    first = {p.name: p.read_bytes() for p in (tmp_path / "site").iterdir() if p.is_file()}
    run(capsys, "publish", "--out", str(tmp_path / "site"), "--as", "li")
    again = {p.name: p.read_bytes() for p in (tmp_path / "site").iterdir() if p.is_file()}
    # same record, same bytes; the audit checkpoint is the log's at each publication (which it records)
    checkpoints = [json.loads(files.pop("audit-checkpoint.json")) for files in (first, again)]
    assert again == first
    assert checkpoints[1]["rows"] == checkpoints[0]["rows"] + 1 and checkpoints[0]["public_key"]
    feed = ET.fromstring(first["alerts.atom"])
    assert feed.find("{http://www.w3.org/2005/Atom}link").get("href") == "alerts.atom"
    run(
        capsys,
        "publish",
        "--out",
        str(tmp_path / "abs"),
        "--base-url",
        "https://xx.gov.cn/trace",
        "--as",
        "li",
    )
    feed = ET.fromstring((tmp_path / "abs" / "alerts.atom").read_bytes())
    assert feed.find("{http://www.w3.org/2005/Atom}link").get("href") == "https://xx.gov.cn/trace/alerts.atom"
    assert json.loads(first["blacklist.json"])["current"][0]["uscc"] == USCC[0]
    code, out, _ = run(capsys, "lookup", USCC[0], "--as-of", "2026-01-01")
    assert code == 0
    assert "质量失信黑名单: 列入" in out and "政府采购（可追溯且未列入黑名单）: 否" in out
    code, out, _ = run(capsys, "lookup", "福农", "--as-of", "2026-01-01", "--format", "json")
    [answer] = json.loads(out)
    assert (answer["uscc"], answer["traceable"], answer["procurement"]["ok"]) == (USCC[2], True, True)
    code, _, err = run(capsys, "lookup", "不存在的企业")
    assert (code, err.strip()) == (1, "traceboard: no enterprise matches '不存在的企业'")


def test_draft_from_failed_checks(capsys, seeded):
    code, out, err = run(
        capsys, "alert", "draft", "--from-checks-since", "2022-12-01", "--sector", "food", "--as", "li"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "alert", "show", "--format", "json")
    [alert] = json.loads(out)
    assert alert["title"] == "关于1家企业抽查不合格的消费提示"
    code, _, err = run(capsys, "alert", "draft", "--from-checks-since", "2022-12-06", "--as", "li")
    assert (code, err.strip()) == (1, "traceboard: no failed checks to cite")


def test_notify_records_the_remedies_and_an_alert_cites_a_published_listing(capsys, seeded):
    code, out, _ = run(
        capsys,
        "blacklist",
        "propose",
        USCC[2],
        "--grounds",
        "追溯信息不真实",
        "--on",
        "2025-01-02",
        "--as",
        "wang",
    )
    case = last_line(out)
    run(
        capsys,
        "blacklist",
        "notify",
        case,
        "--remedies",
        "十个工作日内异议",
        "--on",
        "2025-01-03",
        "--as",
        "wang",
    )
    run(capsys, "blacklist", "list", case, "--authority", "市农业局", "--on", "2025-01-20", "--as", "wang")
    code, _, err = run(capsys, "alert", "draft", "--from-case", case, "--as", "li")
    assert (code, err.strip()) == (
        1,
        "traceboard: an alert can cite a published listing only; this case is listed",
    )
    run(capsys, "blacklist", "publish", case, "--on", "2025-01-21", "--as", "li")
    code, out, err = run(capsys, "alert", "draft", "--from-case", case, "--as", "li")
    assert code == 0, err
    code, out, _ = run(capsys, "alert", "show", "--format", "json")
    [alert] = json.loads(out)
    assert (alert["title"], alert["sector"]) == (f"关于{NAMES[2]}列入质量失信黑名单的消费提示", "食品")
    code, out, _ = run(capsys, "lookup", USCC[2], "--format", "json")
    [answer] = json.loads(out)
    assert answer["cases"][0]["remedies"] == "十个工作日内异议"


def test_in_chinese_case_and_alert_lines_are_chinese(capsys, seeded, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    case = walk(capsys, seeded)
    code, out, err = run(
        capsys, "blacklist", "revoke", case, "--reason", "列入错误", "--on", "2026-03-01", "--as", "wang"
    )
    assert (code, out.strip()) == (0, f"案件 {case}：已公布 → 撤销列入，日期 2026-03-01")
    code, out, _ = run(capsys, "blacklist", "show", "--state", "proposed")
    assert out.strip() == "（无）"
    code, out, _ = run(
        capsys, "alert", "draft", "--title", NAMES[1], "--body", "正文", "--sector", "food", "--as", "li"
    )
    alert = last_line(out)
    assert code == 0 and out.splitlines()[0] == f"已起草：消费提示 {alert}《{NAMES[1]}》"
    assert run(capsys, "alert", "approve", alert, "--as", "chen")[:2] == (0, f"消费提示 {alert}：已审核\n")
    code, _, err = run(capsys, "lookup", "没有这家企业")
    assert (code, err.strip()) == (1, "traceboard: 没有与“没有这家企业”相符的企业")
