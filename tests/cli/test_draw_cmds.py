"""``traceboard draw``: the ceremony, verification, refusals that record nothing, results and files."""

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import func, select, update

from tests.sampling import reference_spec as ref
from traceboard.accounts.authz import SYSTEM
from traceboard.cli.main import main
from traceboard.data import models as m
from traceboard.data.db import transaction
from traceboard.data.inspection_store import record_results

SEED = "湘乡🎲 2026-11-29 骰子 5-2-3"


def counts(engine):
    with engine.connect() as conn:
        return {
            t.__tablename__: conn.scalar(select(func.count()).select_from(t))
            for t in (m.Draw, m.Assignment, m.AuditLog)
        }


def draw(tmp_path, *extra, seed=SEED, name="m.json"):
    out = tmp_path / name
    code = main(["draw", "--seed", seed, "--out", str(out), "--as", "demo-office", *extra])
    return code, out


@pytest.mark.parametrize(
    ("spec_args", "spec", "reference_draw"),
    [((), "traceboard-draw/3", ref.draw_v3), (("--spec", "1"), "traceboard-draw/1", ref.draw)],
    ids=["default", "spec1"],
)
def test_oneoff_draw_writes_a_manifest_that_verifies(
    demo_engine, tmp_path, capsys, spec_args, spec, reference_draw
):
    before = counts(demo_engine)
    code, out = draw(tmp_path, "--ratio", "0.05", "--stratum-by", "sector", *spec_args)
    assert code == 0, capsys.readouterr().err
    manifest = json.loads(out.read_text(encoding="utf-8"))
    assert manifest["spec"] == spec  # new draws default to spec 3
    for stratum in manifest["strata"]:  # the independent implementation agrees
        assert stratum["drawn"] == reference_draw(
            SEED, stratum["stratum"], stratum["candidates"], stratum["k"]
        )
        assert stratum["k"] == ref.k_of("0.05", stratum["N"])
    assert {s["stratum"] for s in manifest["strata"]} <= {
        "食用农产品",
        "食品",
        "药品",
        "农业生产资料",
        "特种设备",
        "危险品",
    }
    drawn = sum(len(s["drawn"]) for s in manifest["strata"])
    after = counts(demo_engine)
    assert after["assignment"] - before["assignment"] == drawn == len(manifest["assignments"])
    assert after["draw"] - before["draw"] == 1 and after["audit_log"] - before["audit_log"] == 2
    capsys.readouterr()
    assert main(["draw", "verify", str(out)]) == 0
    assert capsys.readouterr().out.startswith("OK:")


def test_verify_names_the_first_stratum_that_differs(demo_engine, tmp_path, capsys):
    # 10 % of the small demo leaves one pool of 4 inspectors at its cap: under SEED the default spec
    # finds no pair for one check (the draw stops, as it must); this seed gives every check a pair
    assert draw(tmp_path, "--ratio", "0.1", seed="2-7-1-8-2-8")[0] == 0
    out = tmp_path / "m.json"
    manifest = json.loads(out.read_text(encoding="utf-8"))
    manifest["strata"][0]["drawn"].reverse()
    out.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["draw", "verify", str(out)]) == 1
    label = manifest["strata"][0]["stratum"]
    assert capsys.readouterr().out.startswith(f"MISMATCH: stratum 1 ({label}): drawn code 1 is")


def test_commit_then_reveal_refuses_a_wrong_seed_and_records_nothing(demo_engine, tmp_path, capsys):
    digest = hashlib.sha256(b"31415926").hexdigest()
    listed = tmp_path / "list.json"
    assert (
        main(
            [
                "draw",
                "commit",
                "--ratio",
                "0.1",
                "--seed-sha256",
                digest,
                "--list-out",
                str(listed),
                "--as",
                "demo-office",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    draw_id = int(out.split()[1])
    published = json.loads(listed.read_text(encoding="utf-8"))
    assert f"list_sha256 {published['list_sha256']}" in out and published["seed_sha256"] == digest
    before = counts(demo_engine)
    manifest = tmp_path / "m.json"
    assert (
        main(
            [
                "draw",
                "reveal",
                str(draw_id),
                "--seed",
                "31415927",
                "--out",
                str(manifest),
                "--as",
                "demo-office",
            ]
        )
        == 1
    )
    assert "does not match its commitment" in capsys.readouterr().err
    assert counts(demo_engine) == before and not manifest.exists()
    assert (
        main(
            [
                "draw",
                "reveal",
                str(draw_id),
                "--seed",
                "31415926",
                "--out",
                str(manifest),
                "--as",
                "demo-office",
            ]
        )
        == 0
    )
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert data["list_sha256"] == published["list_sha256"]
    assert [s["candidates"] for s in data["strata"]] == [s["candidates"] for s in published["strata"]]
    assert (
        main(
            [
                "draw",
                "reveal",
                str(draw_id),
                "--seed",
                "31415926",
                "--out",
                str(manifest),
                "--as",
                "demo-office",
            ]
        )
        == 1
    )
    assert "already drawn" in capsys.readouterr().err


@pytest.mark.parametrize("ratio", ["1.5", "-0.2"])
def test_ratio_outside_unit_interval_is_refused(demo_engine, tmp_path, capsys, ratio):
    before = counts(demo_engine)
    code, out = draw(tmp_path, "--ratio", ratio)
    assert code == 1 and f"ratio {ratio} is outside [0, 1]" in capsys.readouterr().err
    assert counts(demo_engine) == before and not out.exists()


def test_plan_with_no_candidates_is_refused(demo_engine, tmp_path, capsys):
    assert (
        main(
            [
                "draw",
                "plan",
                "--department",
                "市公安局",
                "--year",
                "2026",
                "--sector",
                "药品",
                "--as",
                "demo-office",
            ]
        )
        == 0
    )
    plan_id = int(capsys.readouterr().out.split()[1])
    before = counts(demo_engine)
    assert (
        main(["draw", "commit", "--plan", str(plan_id), "--seed-sha256", "a" * 64, "--as", "demo-office"])
        == 1
    )
    assert "no candidates" in capsys.readouterr().err
    assert counts(demo_engine) == before


def test_no_valid_pair_stops_the_draw_and_names_the_enterprise(demo_engine, tmp_path, capsys):
    with transaction(demo_engine) as session:
        dept = session.scalar(select(m.Unit.id).where(m.Unit.name == "市林业局"))
        keep = session.scalar(select(func.min(m.Inspector.id)).where(m.Inspector.department_id == dept))
        session.execute(
            update(m.Inspector)
            .where(m.Inspector.department_id == dept, m.Inspector.id != keep)
            .values(active=False)
        )
    before = counts(demo_engine)
    code, out = draw(tmp_path, "--ratio", "1")
    err = capsys.readouterr().err
    assert (
        code == 1 and "no valid inspector pair for 9" in err and "pool 市林业局: 1 active inspectors" in err
    )
    assert counts(demo_engine) == before and not out.exists()


def test_an_inspector_may_not_draw_for_another_department(demo_engine, tmp_path, capsys):
    assert main(["draw", "plan", "--department", "市农业局", "--year", "2026", "--as", "demo-office"]) == 0
    plan_id = capsys.readouterr().out.split()[1]
    assert (
        main(["draw", "commit", "--plan", plan_id, "--seed-sha256", "b" * 64, "--as", "demo-inspector"]) == 1
    )
    assert "outside the user's own department" in capsys.readouterr().err


def test_results_publication_overdue_board_and_files(demo_engine, tmp_path, capsys):
    assert draw(tmp_path, "--ratio", "0.05")[0] == 0
    out = tmp_path / "m.json"
    manifest = json.loads(out.read_text(encoding="utf-8"))
    with demo_engine.connect() as conn:
        first, second = (
            conn.execute(select(m.Assignment.id).order_by(m.Assignment.id.desc()).limit(2))
            .scalars()
            .all()[::-1]
        )
    capsys.readouterr()
    args = ["--as", "demo-office"]
    assert (
        main(
            [
                "draw",
                "result",
                str(first),
                "--result",
                "false_trace_info",
                "--checked-on",
                "2025-09-26",
                "--findings",
                "追溯码=伪造",
                *args,
            ]
        )
        == 0
    )
    assert "publish by 2025-10-30" in capsys.readouterr().out
    assert (
        main(["draw", "result", str(second), "--result", "no_problem", "--checked-on", "2025-10-20", *args])
        == 0
    )
    with demo_engine.connect() as conn:
        ids = (
            conn.execute(
                select(m.Inspection.id)
                .where(m.Inspection.assignment_id.in_([first, second]))
                .order_by(m.Inspection.id)
            )
            .scalars()
            .all()
        )
    capsys.readouterr()
    assert main(["draw", "overdue", "--today", "2025-11-03"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"{ids[0]}\t")]
    assert lines and lines[0].endswith("checked 2025-09-26\tdue 2025-10-30")
    assert main(["draw", "publish", str(ids[0]), "--on", "2025-10-31", *args]) == 0
    draw_id = str(_draw_id(demo_engine))
    for suffix in ("csv", "json", "html"):
        assert main(["draw", "results", "--draw", draw_id, "--out", str(tmp_path / f"r.{suffix}")]) == 0
    published = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(published["rows"]) == 1 and published["rows"][0][6] == "追溯信息不真实"
    assert published["rows"][0][7] == "追溯码=伪造"
    assert "'追溯码=伪造" not in (tmp_path / "r.csv").read_text(
        encoding="utf-8-sig"
    )  # only leading = is neutralised
    assert "<td>追溯信息不真实</td>" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert manifest["assignments"][-2]["uscc"] == published["rows"][0][1]  # the one published


def _draw_id(engine):
    with engine.connect() as conn:
        return conn.scalar(select(func.max(m.Draw.id)))


def test_checklist_pdf_and_excel(demo_engine, tmp_path, capsys):
    from tests.files.test_pdf import pdf_text

    assert draw(tmp_path, "--ratio", "0.05")[0] == 0
    out = tmp_path / "m.json"
    draw_id = str(_draw_id(demo_engine))
    assert main(["draw", "checklist", draw_id, "--out", str(tmp_path / "c.pdf")]) == 0
    assert main(["draw", "checklist", draw_id, "--out", str(tmp_path / "c.xlsx")]) == 0
    text = pdf_text((tmp_path / "c.pdf").read_bytes())
    manifest = json.loads(out.read_text(encoding="utf-8"))
    first = manifest["assignments"][0]["uscc"]
    with demo_engine.connect() as conn:
        name = conn.scalar(select(m.Enterprise.name).where(m.Enterprise.uscc == first))
        certs = (
            conn.execute(
                select(m.Inspector.cert_no).where(
                    m.Inspector.id.in_(manifest["assignments"][0]["inspectors"])
                )
            )
            .scalars()
            .all()
        )
    assert "双随机抽查检查任务单" in text and first in text and name in text
    assert all(cert in text for cert in certs)
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames[0] == "全部"
    rows = list(book["全部"].iter_rows(values_only=True))
    assert rows[1][:3] == ("序号", "企业名称", "统一社会信用代码") and len(rows) == 2 + len(
        manifest["assignments"]
    )


def test_estimates_command(demo_engine, tmp_path, capsys):
    draw(tmp_path, "--ratio", "0.2")
    draw_id = str(_draw_id(demo_engine))
    capsys.readouterr()
    assert main(["draw", "estimates", draw_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("sector\tN\tchecked") and len(lines) > 1
    assert all(line.split("\t")[4] == "—" for line in lines[1:])  # nothing checked yet: no estimate, not 0 %


def test_plan_draw_uses_the_class_ratios_and_records_the_plan(demo_engine, tmp_path, capsys):
    assert (
        main(
            [
                "draw",
                "plan",
                "--department",
                "市食药工商质监局",
                "--year",
                "2026",
                "--ratio",
                "A=0.5",
                "--as",
                "demo-office",
            ]
        )
        == 0
    )
    plan_id = capsys.readouterr().out.split()[1]
    code, out = draw(tmp_path, "--plan", plan_id, "--on", "2026-10-31")
    assert code == 0, capsys.readouterr().err
    manifest = json.loads(out.read_text(encoding="utf-8"))
    ratios = {"A": 0.5, "B": 0.1, "C": 0.3, "D": 0.8}
    assert {s["stratum"] for s in manifest["strata"]} <= set(ratios)
    for s in manifest["strata"]:
        assert s["ratio"] == ratios[s["stratum"]] and s["k"] == ref.k_of(str(ratios[s["stratum"]]), s["N"])
    assert {a["pool"] for a in manifest["assignments"]} == {"市食药工商质监局"}
    with demo_engine.connect() as conn:
        assert conn.scalar(select(m.Draw.plan_id)) == int(plan_id)
        assert set(conn.scalars(select(m.Assignment.due_on))) == {dt.date(2026, 12, 31)}
        assignment = conn.scalar(select(m.Assignment.id).order_by(m.Assignment.id))
        items = conn.scalar(select(m.SamplingPlan.check_items).where(m.SamplingPlan.id == int(plan_id)))
    # a check's first result carries its plan's check items
    result = {"assignment_id": assignment, "checked_on": dt.date(2026, 10, 31), "result": "no_problem"}
    (saved,) = record_results(demo_engine, SYSTEM, [result], dt.date(2026, 10, 31))
    with demo_engine.connect() as conn:
        recorded = conn.scalar(select(m.Inspection.check_items).where(m.Inspection.id == saved))
    assert items and recorded == items
    # the second batch leaves out the enterprises the first one drew
    # (four inspectors, one of them at home in a drawn township: without home recusal a pair always fits)
    code, out2 = draw(
        tmp_path, "--plan", plan_id, "--batch", "2", "--on", "2026-10-31", "--no-home-recusal", name="m2.json"
    )
    first = {c for s in manifest["strata"] for c in s["drawn"]}
    assert code == 0, capsys.readouterr().err
    second = json.loads(out2.read_text(encoding="utf-8"))
    assert code == 0 and not first & {c for s in second["strata"] for c in s["candidates"]}


def test_spec_2_draw_is_recorded_as_such_and_verifies(demo_engine, tmp_path, capsys):
    code, out = draw(tmp_path, "--ratio", "0.05", "--stratum-by", "sector", "--spec", "2")
    assert code == 0, capsys.readouterr().err
    manifest = json.loads(out.read_text(encoding="utf-8"))
    assert manifest["spec"] == "traceboard-draw/2"
    # the pairs redone by the independent implementation from the manifest's own pools and recusals
    pools = {p["pool"]: p["inspectors"] for p in manifest["pools"]}
    drawn = [c for s in manifest["strata"] for c in s["drawn"]]
    pool_of = {a["uscc"]: a["pool"] for a in manifest["assignments"]}
    recused = {(i, a["uscc"]) for a in manifest["assignments"] for i in a["recused"]}
    expected = ref.pairs(
        manifest["seed"], drawn, pool_of, dict.fromkeys(drawn, ""), pools, recused, {}, order=ref.order_v2
    )
    assert [a["inspectors"] for a in manifest["assignments"]] == [expected[c] for c in drawn]
    assert any(a["recused"] for a in manifest["assignments"])  # home townships were passed over
    with demo_engine.connect() as conn:
        assert conn.scalar(select(m.Draw.spec).order_by(m.Draw.id.desc()).limit(1)) == "traceboard-draw/2"
    capsys.readouterr()
    assert main(["draw", "verify", str(out)]) == 0


def test_commit_freezes_the_spec_and_the_published_list_names_it(demo_engine, tmp_path, capsys):
    listed, out = tmp_path / "list.json", tmp_path / "m.json"
    digest = hashlib.sha256(b"4-4-1").hexdigest()
    args = ["draw", "commit", "--ratio", "0.05", "--spec", "2", "--seed-sha256", digest]
    assert main([*args, "--list-out", str(listed), "--as", "demo-office"]) == 0
    draw_id = capsys.readouterr().out.split()[1]
    assert json.loads(listed.read_text(encoding="utf-8"))["spec"] == "traceboard-draw/2"
    assert main(["draw", "reveal", draw_id, "--seed", "4-4-1", "--out", str(out), "--as", "demo-office"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["spec"] == "traceboard-draw/2"


def test_in_chinese_the_draw_commands_own_lines_are_chinese(demo_engine, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    code, out = draw(tmp_path, "--ratio", "0.1", seed="2-7-1-8-2-8")
    assert code == 0, capsys.readouterr().err
    manifest = json.loads(out.read_text(encoding="utf-8"))
    drawn = sum(len(s["drawn"]) for s in manifest["strata"])
    draw_id = _draw_id(demo_engine)
    assert capsys.readouterr().out.splitlines() == [
        f"抽取 {draw_id}：在 {len(manifest['strata'])} 个层中抽取 {drawn} 家企业，抽取清单 {out}",
        "验证方法：python verify_manifest.py m.json",
    ]
    assert main(["draw", "verify", str(out)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"一致：{len(manifest['strata'])} 个层、抽取 {drawn} 家、"
        f"{len(manifest['assignments'])} 项分派均可重算"
    )
    manifest["strata"][0]["drawn"].reverse()
    out.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert main(["draw", "verify", str(out)]) == 1
    assert capsys.readouterr().out.startswith(
        "不一致：某一层的抽取结果与按规则重算的结果不一致：stratum 1 ("
    )  # the stand-alone verifier's own words follow
    with demo_engine.connect() as conn:
        first = conn.scalar(select(func.max(m.Assignment.id)))
    args = ["--as", "demo-office"]
    result = ["draw", "result", str(first), "--result", "没问题", "--checked-on", "2025-09-26"]
    assert main([*result, *args]) == 2  # refused with the results' names, not their codes
    err = capsys.readouterr().err
    assert "未知的检查结果“没问题”；可选：未发现问题、发现问题已责令改正、" in err and "no_problem" not in err
    result[4] = "未发现问题"  # a result is typed by its name as well as by its code
    assert main([*result, *args]) == 0
    with demo_engine.connect() as conn:
        check = conn.scalar(select(m.Inspection.id).where(m.Inspection.assignment_id == first))
        assert conn.scalar(select(m.Inspection.result).where(m.Inspection.id == check)) == "no_problem"
    assert capsys.readouterr().out.strip() == f"检查 {check} 已记录；须于 2025-10-30 前公示"
    assert main(["draw", "publish", str(check), "--on", "2025-10-31", *args]) == 0
    assert capsys.readouterr().out.strip() == "2025-10-31 公示了 1 项检查结果"
    results = tmp_path / "r.json"
    assert main(["draw", "results", "--draw", str(draw_id), "--out", str(results)]) == 0
    assert capsys.readouterr().out.strip() == f"已将 1 项已公示结果写入 {results}"
    assert main(["draw", "results", "--out", str(tmp_path / "r.txt")]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 结果文件只能写为 .html、.csv 或 .json"
    assert main(["draw", "checklist", str(draw_id), "--out", str(tmp_path / "c.doc")]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 检查任务单只能写为 .xlsx 或 .pdf"
