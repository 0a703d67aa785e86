"""双随机抽查: plans, the public draw (commit → reveal → result), assignments, results,
publication on time, risk classes and estimates. Needs a signed-in user."""

import streamlit as st

from traceboard.dashboard.auth import role_label
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import get_engine, get_frame, signed_in_actor, t, today
from traceboard.dashboard.views import _sampling_draw as views
from traceboard.dashboard.views import _sampling_work as work
from traceboard.dashboard.widgets import worded

st.title(t("sampling.title"))
actor = signed_in_actor("sampling")
st.caption(t("sampling.signed_in_as", user=plain(actor.username), role=role_label(actor.role)))
engine = get_engine()
frame = get_frame()
if frame.enterprises.empty:
    st.info(t("sampling.no_data"))
    st.stop()
views.show_flash()

# One section at a time, chosen by a keyed control: the choice survives every rerun (a draw,
# a save, a download, Enter), and only the chosen section runs.
SECTIONS = ("plans", "draw", "assignments", "results", "publication", "risk")
section = st.radio(
    t("sampling.section"),
    SECTIONS,
    format_func=worded(SECTIONS, lambda n: t(f"sampling.tab_{n}")),
    horizontal=True,
    key="sampling_section",
    label_visibility="collapsed",
)
if section == "plans":
    views.plan_editor(engine, actor, frame, today().year)
elif section == "draw":
    views.commit_step(engine, actor, frame, today())
    views.reveal_step(engine, actor)
    views.result_step(engine)
elif section == "assignments":
    draw_id = work.choose_drawn_draw(engine, "assignments_draw")
    if draw_id is not None:
        work.assignments_view(engine, actor, draw_id)
elif section == "results":
    draw_id = work.choose_drawn_draw(engine, "results_draw")
    if draw_id is not None:
        work.result_entry(engine, actor, draw_id, today())
elif section == "publication":
    work.publication_view(engine, actor, today())
else:
    work.risk_view(engine, actor, frame, today())
    draw_id = work.choose_drawn_draw(engine, "estimates_draw")
    if draw_id is not None:
        work.estimates_view(engine, frame, draw_id)
