"""AppTest of the 双随机抽查 page: sign-in prompt, the ceremony commit → reveal → result,
refusal of a wrong seed, result entry through the data editor, the tabs in both languages."""

import datetime as dt
import hashlib

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import APP, run_page
from traceboard.accounts.authz import Actor
from traceboard.dashboard.i18n import translate
from traceboard.data import models as m

OFFICE = Actor("demo-office", "office")
PAGE = APP.replace("app.py", "views/sampling.py")
SEED = "掷骰 6-2-4-4-1 🎲"


def button(at, label):
    return next(b for b in at.button if b.label == label)


def count(engine, model):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_without_sign_in_the_page_asks_for_it(demo_engine):
    # Visitors are not offered the page; run on its own without a user, it asks to sign in and stops.
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == [translate("sampling.sign_in")]
    assert not at.radio


def test_the_page_renders_every_tab_for_the_office(demo_engine):
    at = run_page("sampling", actor=OFFICE)
    assert not at.exception, at.exception
    assert at.title[0].value == "双随机抽查"
    assert at.radio(key="sampling_section").options == [
        "抽查计划",
        "公开抽取",
        "检查任务",
        "结果录入",
        "结果公示",
        "风险分类与估计",
    ]
    # the plan's scope pickers speak Chinese too, not Streamlit's default "Choose options"
    assert [m.proto.placeholder for m in at.multiselect][:2] == ["请选择（可多选）"] * 2


def test_english_catalog(demo_engine):
    at = run_page("sampling", lang="en", actor=OFFICE)
    assert not at.exception and at.title[0].value == "Random checks"


def test_every_section_opens_in_english(demo_engine):
    # the test runner words a picked option outside the script's thread, where the session's
    # language is not seen: the options must be worded in the run (widgets.worded)
    at = run_page("sampling", lang="en", actor=OFFICE)
    for name in ("draw", "assignments", "results", "publication", "risk", "plans"):
        at.radio(key="sampling_section").set_value(name).run()
        assert not at.exception, (name, at.exception)
        assert at.radio(key="sampling_section").value == name
    assert at.radio(key="sampling_section").options[0] == translate("sampling.tab_plans", "en")
    section(at, "draw")
    at.radio(key="commit_source").set_value("oneoff").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="commit_spec").options == [
        translate(f"sampling.draw.spec_{n}", "en") for n in (1, 2, 3)
    ]


def section(at, name):
    at.radio(key="sampling_section").set_value(name).run()
    return at


def commit(at, seed=SEED, spec=None):
    section(at, "draw")
    at.radio(key="commit_source").set_value("oneoff").run()
    if spec:
        at.selectbox(key="commit_spec").set_value(spec).run()
    # a form: typed and clicked in one go, no Enter in between
    at.text_input(key="commit_seed_sha256").set_value(hashlib.sha256(seed.encode()).hexdigest())
    button(at, "冻结名单并提交承诺").click().run()
    return at


def test_ceremony_commit_wrong_seed_then_reveal(demo_engine):
    at = commit(run_page("sampling", actor=OFFICE))
    assert not at.exception, at.exception
    assert any("已提交承诺" in s.value for s in at.success)
    code = "\n".join(c.value for c in at.code)
    assert (
        "list_sha256" in code.replace("候选名单哈希 ", "")
        and hashlib.sha256(SEED.encode()).hexdigest() in code
    )
    with demo_engine.connect() as conn:
        committed = conn.execute(select(m.Draw.status, m.Draw.candidates_sha256)).one()
    assert committed.status == "committed" and committed.candidates_sha256 in code

    at.text_input(key="reveal_seed").set_value("wrong seed")
    button(at, "揭示并抽取").click().run()
    assert any("种子与事先公布的承诺不符" in e.value for e in at.error)  # the page speaks Chinese
    assert count(demo_engine, m.Assignment) == 0

    at.text_input(key="reveal_seed").set_value(SEED)
    button(at, "揭示并抽取").click().run()
    assert not at.exception, at.exception
    assert any("抽取 1 完成" in s.value for s in at.success)
    with demo_engine.connect() as conn:
        manifest = conn.scalar(select(m.Draw.manifest))
    assert count(demo_engine, m.Assignment) == len(manifest["assignments"]) > 0
    assert "python verify_manifest.py manifest-1.json" in [c.value for c in at.code]
    assert {"下载抽取清单 manifest（JSON）", "下载验证程序 verify_manifest.py"} <= {
        d.label for d in at.download_button
    }


def test_a_draw_under_spec_2_is_chosen_on_the_page_and_recorded(demo_engine):
    at = section(run_page("sampling", actor=OFFICE), "draw")
    spec_box = at.selectbox(key="commit_spec")
    # new draws default to spec 3; the older specs stay offered
    assert spec_box.value == "traceboard-draw/3" and "规则 3" in spec_box.format_func("traceboard-draw/3")
    assert len(spec_box.options) == 3 and spec_box.options[0].startswith("规则 1")
    assert "规则 2" in spec_box.format_func("traceboard-draw/2")
    at = commit(at, spec="traceboard-draw/2")
    at.text_input(key="reveal_seed").set_value(SEED)
    button(at, "揭示并抽取").click().run()
    assert not at.exception, at.exception
    with demo_engine.connect() as conn:
        spec, manifest = conn.execute(select(m.Draw.spec, m.Draw.manifest)).one()
    assert spec == manifest["spec"] == "traceboard-draw/2"
    assert any(c.value.startswith("spec traceboard-draw/2\nseed ") for c in at.code)


def test_result_entry_through_the_data_editor(demo_engine):
    at = commit(run_page("sampling", actor=OFFICE))
    at.text_input(key="reveal_seed").set_value(SEED)
    button(at, "揭示并抽取").click().run()
    section(at, "results")
    editor = at.data_editor[0]
    first = editor.value.iloc[0]
    at.session_state["results_1"] = {
        "edited_rows": {
            0: {"result": "追溯信息不真实", "checked_on": "2026-09-25", "findings": "扫码信息与实物不符"}
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    button(at, "保存检查结果").click().run()
    assert not at.exception, at.exception
    assert any("已保存 1 条检查结果" in s.value for s in at.success), [e.value for e in at.error]
    with demo_engine.connect() as conn:
        row = conn.execute(
            select(
                m.Inspection.result, m.Inspection.checked_on, m.Inspection.findings, m.Inspection.recorded_by
            ).where(m.Inspection.assignment_id == int(first["assignment_id"]))
        ).one()
    assert (row.result, str(row.checked_on), row.findings, row.recorded_by) == (
        "false_trace_info",
        "2026-09-25",
        "扫码信息与实物不符",
        "demo-office",
    )


def test_risk_tab_trains_the_model_and_explains_a_class(demo_engine):
    at = section(run_page("sampling", actor=OFFICE), "risk")
    assert any(i.value == translate("sampling.risk.none") for i in at.info)
    button(at, "重新训练并更新全部企业的风险等级").click().run()
    assert not at.exception, at.exception
    assert any("风险模型已更新" in s.value for s in at.success)
    # 400 enterprises have too few checks to learn from: the rules, said as such
    assert any("规则评分" in md.value for md in at.markdown)
    with demo_engine.connect() as conn:
        uscc, cls = conn.execute(
            select(m.Enterprise.uscc, m.Enterprise.risk_class).order_by(m.Enterprise.id)
        ).first()
        listed = conn.scalars(
            select(m.Enterprise.risk_class)
            .join(m.BlacklistEntry, m.BlacklistEntry.enterprise_id == m.Enterprise.id)
            .where(m.BlacklistEntry.state.in_(("listed", "published")))
        ).all()
    assert listed and set(listed) == {"D"}
    at.text_input(key="risk_lookup").set_value(uscc).run()
    assert any(md.value.startswith(f"等级 {cls}") for md in at.markdown)


def test_publication_tab_publishes_and_lists_overdue(demo_engine):
    from sqlalchemy import update

    from traceboard.data.db import transaction

    with transaction(demo_engine) as session:  # one check of 2025 never published: overdue
        first = session.scalar(
            select(func.min(m.Inspection.id)).where(m.Inspection.checked_on >= dt.date(2025, 3, 3))
        )
        session.execute(update(m.Inspection).where(m.Inspection.id == first).values(published_on=None))
    at = section(run_page("sampling", actor=OFFICE), "publication")
    assert not at.exception
    overdue = at.dataframe[0].value
    assert first in overdue["检查编号"].tolist()
    publish = next(w for w in at.multiselect if w.label == "选择要公示的检查")
    assert any(o.startswith(f"{first} · ") for o in publish.options), "named by its enterprise"
    publish.set_value([first])
    next(b for b in at.button if b.label == "标记为已公示").click().run()
    assert not at.exception, at.exception
    assert any("已公示 1 条" in s.value for s in at.success)
    with demo_engine.connect() as conn:
        assert conn.scalar(select(m.Inspection.published_on).where(m.Inspection.id == first)) is not None


def drawn(at):
    at = commit(at)
    at.text_input(key="reveal_seed").set_value(SEED)
    button(at, "揭示并抽取").click().run()
    assert not at.exception, at.exception
    return at


def test_the_chosen_section_stays_after_a_draw_and_a_save(demo_engine):
    # st.tabs went back to the first tab after every rerun; the keyed section control does not
    at = drawn(run_page("sampling", actor=OFFICE))
    assert at.radio(key="sampling_section").value == "draw"
    assert any("抽取 1 完成" in s.value for s in at.success)
    section(at, "results")
    at.session_state["results_1"] = {
        "edited_rows": {0: {"result": "未发现问题", "checked_on": "2026-09-25"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    button(at, "保存检查结果").click().run()
    assert any("已保存 1 条检查结果" in s.value for s in at.success)
    assert at.radio(key="sampling_section").value == "results"
    assert at.data_editor, "the results editor is still what the user sees"


def test_check_lists_are_built_only_when_asked_for(demo_engine, monkeypatch):
    # every rerun of the 检查任务 section used to build the PDF and the workbook of every pair
    from traceboard.services import sampling as workflow

    built = []
    real = workflow.checklist_bytes
    monkeypatch.setattr(
        workflow, "checklist_bytes", lambda *a, **k: built.append(a[2:] + tuple(k.values())) or real(*a, **k)
    )
    at = section(drawn(run_page("sampling", actor=OFFICE)), "assignments")
    at.run()
    assert not at.exception, at.exception
    assert built == []
    assert {"下载检查任务单（Excel）", "下载检查任务单（PDF，可打印）"} <= {
        d.label for d in at.download_button
    }
    pairs = at.selectbox(key="assign_pair")
    pair = pairs.options[1]
    pairs.set_value(pair).run()
    assert built == [] and not at.exception
    shown = at.dataframe[0].value
    assert {"、".join(sorted(v.split("、"))) for v in shown["检查人员"]} == {pair}, "the chosen pair only"
    # asked for, the file holds that pair's checks only: its own sheet beside the summary
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(real(demo_engine, 1, ".xlsx", None, pair)))
    assert len(book.sheetnames) == 2 and book.sheetnames[0] == "全部"
    assert len(list(book["全部"].iter_rows(values_only=True))) == 2 + len(shown)


def test_an_inspector_plans_in_their_own_department_and_saves_one_plan(demo_engine):
    from traceboard.data.sampling_frames import department_ids

    ids = department_ids(demo_engine)
    own = sorted(ids)[-1]  # not the first in the list, which the page used to offer whatever the user
    inspector = Actor("demo-inspector", "inspector", ids[own])
    at = run_page("sampling", actor=inspector)
    assert at.selectbox(key="plan_department_0").value == own
    assert own in at.text_input[0].value, "the new plan's name names the department"
    button(at, "保存计划").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="plan_choice").value == 1, "the picker holds the saved plan"
    button(at, "保存计划").click().run()
    assert not at.error, [e.value for e in at.error]
    with demo_engine.connect() as conn:
        assert conn.execute(select(m.SamplingPlan.department_id)).scalars().all() == [ids[own]]


def test_a_new_plans_name_follows_the_chosen_department(demo_engine):
    at = run_page("sampling", actor=OFFICE)
    other = at.selectbox(key="plan_department_0").options[1]
    at.selectbox(key="plan_department_0").set_value(other).run()
    assert other in at.text_input[0].value


def test_the_seed_helper_hashes_and_the_draw_needs_no_enter(demo_engine):
    at = section(run_page("sampling", actor=OFFICE), "draw")
    at.radio(key="commit_source").set_value("oneoff").run()
    at.text_input(key="helper_seed").set_value(SEED)
    button(at, "计算 SHA-256").click().run()
    digest = hashlib.sha256(SEED.encode()).hexdigest()
    assert digest in [c.value for c in at.code]
    assert at.text_input(key="commit_seed_sha256").value == digest, "filled into the commitment"
    button(at, "冻结名单并提交承诺").click().run()
    assert any("已提交承诺" in s.value for s in at.success)
    reveal = button(at, "揭示并抽取")
    assert not reveal.disabled, "enabled before anything is typed: the click takes what is typed"
    at.text_input(key="reveal_seed").set_value(SEED)  # typed, no Enter, then clicked
    button(at, "揭示并抽取").click().run()
    assert not at.exception, at.exception
    assert any("抽取 1 完成" in s.value for s in at.success)


def test_draw_result_pickers_and_editor_read_as_a_user_expects(demo_engine):
    at = drawn(run_page("sampling", actor=OFFICE))
    with demo_engine.connect() as conn:
        manifest = conn.scalar(select(m.Draw.manifest))
    codes = [code for s in manifest["strata"] for code in s["drawn"]]
    table = next(d.value for d in at.dataframe if "抽中（按密钥顺序）" in d.value.columns)
    assert table["抽中（按密钥顺序）"].tolist() == codes, "one drawn credit code per row"
    label = at.selectbox(key="result_draw")
    assert label.format_func(label.value).startswith("1 · 临时抽取 · "), "not a bare 1"
    section(at, "results")
    assert at.selectbox(key="results_draw").format_func(1) == label.format_func(1)
    editor = at.data_editor[0].value
    assert editor["result"].eq("").all() and editor["findings"].eq("").all(), "empty, not None"
    # the dates not yet entered are missing values: the grid words them by the editor's placeholder,
    # "None" in grey unless the page says otherwise
    assert editor["checked_on"].isna().all()
    proto = at.data_editor[0].proto
    assert proto.HasField("placeholder") and proto.placeholder == "", "empty cells show empty"


def test_the_publish_picker_names_enterprises_own_department_first(demo_engine):
    from sqlalchemy import update

    from traceboard.data import inspection_store
    from traceboard.data.db import transaction
    from traceboard.data.sampling_frames import department_ids
    from traceboard.sampling import results

    with transaction(demo_engine) as session:  # the checks of 2025 from March on await publication
        session.execute(
            update(m.Inspection)
            .where(m.Inspection.checked_on >= dt.date(2025, 3, 3))
            .values(published_on=None)
        )
    pending = results.pending_publication(inspection_store.load_inspections(demo_engine), dt.date.today())
    ids = department_ids(demo_engine)
    # a department whose checks are not the first due: the picker used to start with another's
    own = next(d for d in sorted(set(pending["department"])) if d != pending["department"].iloc[0])
    at = section(run_page("sampling", actor=Actor("demo-inspector", "inspector", ids[own])), "publication")
    picker = next(w for w in at.multiselect if w.label == "选择要公示的检查")
    first = pending[pending["department"] == own].iloc[0]
    assert picker.options[0] == f"{first.inspection_id} · {first.enterprise} · {own} · {first.checked_on}"


def test_after_a_saved_result_only_the_results_are_read_again(demo_engine, monkeypatch):
    """A draw's checks as drawn (enterprises, pairs) and its candidates for the estimates are kept
    across a recorded result; the results themselves are read again and shown."""
    from traceboard.services import sampling as workflow

    read = {"drawn": 0, "population": 0}
    real_drawn, real_population = workflow.load_drawn_checks, workflow.estimate_population

    def drawn_checks(*a, **k):
        read["drawn"] += 1
        return real_drawn(*a, **k)

    def population(*a, **k):
        read["population"] += 1
        return real_population(*a, **k)

    monkeypatch.setattr(workflow, "load_drawn_checks", drawn_checks)
    monkeypatch.setattr(workflow, "estimate_population", population)
    at = section(drawn(run_page("sampling", actor=OFFICE)), "risk")
    assert not at.exception, at.exception
    before = at.dataframe[-1].value
    section(at, "results")
    assert read == {"drawn": 1, "population": 1}
    at.session_state["results_1"] = {
        "edited_rows": {0: {"result": "追溯信息不真实", "checked_on": "2026-09-25"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    button(at, "保存检查结果").click().run()
    assert any("已保存 1 条检查结果" in s.value for s in at.success)
    assert at.data_editor[0].value.iloc[0]["result"] == "追溯信息不真实"  # the result read again
    section(at, "risk")
    assert not at.exception, at.exception
    after = at.dataframe[-1].value
    assert after.iloc[:, 2].sum() == before.iloc[:, 2].sum() + 1  # one more check in the estimates
    assert read == {"drawn": 1, "population": 1}  # neither read again
