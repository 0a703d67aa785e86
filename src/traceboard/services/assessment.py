"""One year's assessment end to end: load the sets and inputs, score, compare with the saved versions.

The CLI and the dashboard both call :func:`prepare_assessment` (read only) and
:func:`save_assessment` / :func:`lock_assessment` (changes, with an Actor), so
every number on the page comes from the same function as the command.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Engine

from traceboard.accounts.authz import Actor, require
from traceboard.data import assessment_store as store
from traceboard.data.assessment_config import (  # noqa: F401  (re-exported for the faces)
    UNIT_KINDS,
    IndicatorSetDef,
    InvalidIndicatorSet,
    load_indicator_set,
)
from traceboard.data.assessment_store import LockedRunError  # noqa: F401  (re-exported for the faces)
from traceboard.data.frame import RegisterFrame
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.decision_dates import check_decision_date
from traceboard.files.assessment_report import ReportData
from traceboard.i18n import Message
from traceboard.metrics.assessment import (
    NOT_GRADED,
    AssessmentResult,
    assess,
    change_against,
    diff_runs,
    inputs_digest,
    word_explanation,
    word_value,
)

FIRST_YEAR = 2018  # the plan: assessed yearly from 2018


class NothingToLock(RuntimeError):
    """A leader asked to lock a year whose current figures no saved run holds."""


@dataclass(frozen=True)
class AssessmentView:
    """A year's assessment as shown: figures, status and where they stand among the saved versions.

    ``status`` is "locked" only when the figures are those of a locked run;
    everything else is a draft. ``run`` is the saved run holding exactly these
    figures (None when unsaved); ``latest`` the newest saved run of the year.
    ``changes`` lists what differs from ``latest`` (unit_id, unit, item, old, new).
    """

    result: AssessmentResult
    sets: dict[str, IndicatorSetDef]
    inputs_sha256: str
    as_of: dt.date
    run: dict | None = None
    latest: dict | None = None
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def status(self) -> str:
        return "locked" if self.run is not None and self.run["status"] == "locked" else "draft"

    @property
    def version(self) -> int | None:
        return None if self.run is None else int(self.run["version"])


def load_sets(year: int) -> dict[str, IndicatorSetDef]:
    return {kind: load_indicator_set(year, kind) for kind in UNIT_KINDS}


# A year scored on the record as it is, without the change against the year before (its units'
# ``change`` empty): a face may pass a cached one (the dashboard keeps them per data version), so
# that a year shown, the year before of the next one and a year of the history are computed once.
YearResult = Callable[[int], AssessmentResult]


def year_inputs(
    engine: Engine, year: int, today: dt.date, frame: RegisterFrame | None = None
) -> store.AssessmentInputs:
    """The facts ``year`` is scored on: the record's, up to its assessment day. ``frame``: the
    register frame of the record as it is, when the caller holds it (read with it, the same facts
    for less: ``gather_inputs``)."""
    return store.gather_inputs(engine, year, store.assessment_day(year, today), frame)


def score_year(
    inputs: store.AssessmentInputs,
    frame: RegisterFrame,
    state_at: Callable[[int], pd.DataFrame] | None = None,
) -> AssessmentResult:
    """The year of ``inputs`` scored on them and the frame, without the change against the year before."""
    return assess(inputs, frame, load_sets(inputs.year), None, state_at)


def year_inputs_key(inputs: store.AssessmentInputs) -> str:
    """SHA-256 of all a year's scores read besides the frame: every table of its facts as read
    (its year and assessment day included) and its indicator sets. With the same frame content,
    the same key means the same scores: a change of the record that leaves the year's facts as they
    were (a check recorded this year, for last year's scores) leaves the key; one that reaches into
    the year (a check dated back into it, a publication or rectification of one of its checks, a
    milestone, a unit) moves it. Serialised whole (pickle), so that equal keys are equal tables."""
    digest = hashlib.sha256(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL))
    for kind, indicator_set in sorted(load_sets(inputs.year).items()):
        digest.update(f"\n{kind}:{indicator_set.sha256}".encode())
    return digest.hexdigest()


def year_result(
    engine: Engine,
    year: int,
    today: dt.date,
    frame: RegisterFrame,
    state_at: Callable[[int], pd.DataFrame] | None = None,
) -> AssessmentResult:
    """``year`` scored on the record as it is, without the change against the year before.

    ``state_at(day)``: the enterprises' adoption at a day as the caller keeps it (see
    :func:`traceboard.metrics.assessment.assess`), so that years sharing a day compute it once."""
    return score_year(year_inputs(engine, year, today, frame), frame, state_at)


def compute_year(
    engine: Engine,
    year: int,
    today: dt.date,
    frame: RegisterFrame,
    with_previous: bool = True,
    computed: YearResult | None = None,
) -> tuple[AssessmentResult, dict[str, IndicatorSetDef], dt.date]:
    """Score ``year`` on the record as it is (the change against the year before included).

    The change is the only column the year before touches: the year is scored alone (by
    ``computed`` when given) and the change added."""
    result = computed(year) if computed is not None else year_result(engine, year, today, frame)
    if with_previous:
        previous = _previous_scores(engine, year, today, frame, computed)
        units = result.units.assign(change=change_against(result.units, previous))
        result = AssessmentResult(result.year, units, result.indicators)
    return result, load_sets(year), store.assessment_day(year, today)


def _previous_scores(
    engine: Engine, year: int, today: dt.date, frame: RegisterFrame, computed: YearResult | None = None
) -> pd.DataFrame | None:
    """Last year's scores: its newest locked run, else its newest saved run, else computed now."""
    if year - 1 < FIRST_YEAR:
        return None
    runs = store.list_runs(engine, year - 1)
    if not runs.empty:
        chosen = runs[runs["status"] == "locked"].head(1)
        run_id = int((chosen if not chosen.empty else runs.head(1))["id"].iloc[0])
        return store.load_run(engine, run_id)[1]
    if computed is not None:
        return computed(year - 1).units
    return year_result(engine, year - 1, today, frame).units


def prepare_assessment(
    engine: Engine,
    year: int,
    today: dt.date,
    frame: RegisterFrame | None = None,
    computed: YearResult | None = None,
) -> AssessmentView:
    """Compute ``year`` and place it among the saved versions (nothing is written).

    When the newest saved run has the same inputs and indicator sets, its
    stored scores are shown (a locked run's figures never change). ``computed``: a year
    scored alone (:data:`YearResult`), for this year and, without a stored run, the year before.
    """
    if year < FIRST_YEAR:
        raise ValueError(Message("refusals.assessment_before", first=FIRST_YEAR, year=year))
    if dt.date(year, 1, 1) > today:
        raise ValueError(Message("refusals.assessment_not_begun", year=year, today=today.isoformat()))
    frame = frame or open_register_frame(engine)
    result, sets, as_of = compute_year(engine, year, today, frame, computed=computed)
    digest = inputs_digest(result)
    view = AssessmentView(result, sets, digest, as_of)
    runs = store.list_runs(engine, year)
    if runs.empty:
        return view
    latest = runs.iloc[0].to_dict()
    fields, units, indicators = store.load_run(engine, int(latest["id"]))
    if latest["inputs_sha256"] == digest and _same_sets(engine, fields, sets):
        return replace(view, result=_with_stored(result, units, indicators), run=latest, latest=latest)
    return replace(
        view,
        latest=latest,
        changes=_named(diff_runs(units, indicators, result.units, result.indicators), result),
    )


def _same_sets(engine: Engine, run: dict, sets: dict[str, IndicatorSetDef]) -> bool:
    return store.set_hashes(engine, run["id"]) == {k: s.sha256 for k, s in sets.items()}


def _with_stored(result: AssessmentResult, units: pd.DataFrame, indicators: pd.DataFrame) -> AssessmentResult:
    """The computed tables with the stored score, grade, rank, points and explanation put back.

    A run saved before its 说明 was kept as facts (revision 0008) holds only the English line;
    its figures are these (same inputs, same sets), so the computed facts word it."""
    out_units = result.units.drop(columns=["score", "grade", "rank"]).merge(units, on="unit_id", how="left")
    out_units = out_units[result.units.columns]  # the computed order: kind, class, rank
    key = ["unit_id", "indicator_code"]
    stored = indicators[[*key, "points", "explanation_facts"]]
    out_ind = result.indicators.drop(columns=["points"]).merge(stored, on=key, how="left")
    kept = [isinstance(f, dict) for f in out_ind["explanation_facts"]]
    out_ind["explanation"] = out_ind["explanation_facts"].where(kept, out_ind["explanation"])
    return AssessmentResult(result.year, out_units.reset_index(drop=True), out_ind[result.indicators.columns])


CHANGE_ITEMS = {
    "score": Message("assessment.item_score"),
    "grade": Message("assessment.item_grade"),
    "rank": Message("assessment.item_rank"),
}


def change_item(item: str) -> Message:
    """What a row of ``changes`` names (score, grade, rank, or an indicator's code), worded."""
    return CHANGE_ITEMS.get(item) or Message("assessment.item_indicator", code=item)


def _named(changes: pd.DataFrame, result: AssessmentResult) -> pd.DataFrame:
    names = result.units.set_index("unit_id")["unit"]
    changes.insert(1, "unit", changes["unit_id"].map(names))
    return changes


def save_assessment(engine: Engine, actor: Actor, view: AssessmentView) -> AssessmentView:
    """Save the view as the year's next version unless the newest saved run already holds it.

    Needs ``assessment.run``. Returns the view with ``run`` set; its ``changes``
    (against the version before) go into the audit row.
    """
    require(actor, "assessment.run")
    check_decision_date(view.as_of, what=Message("refusals.what.assessment_run"))
    if view.run is not None:
        return view
    changes = view.changes.astype(object).where(view.changes.notna(), None).to_dict("records")
    facts = view.result.indicators["explanation"]
    indicators = view.result.indicators.assign(
        explanation_facts=facts, explanation=[word_explanation(f, "zh") for f in facts]
    )
    run_id = store.save_run(
        engine,
        actor,
        view.result.year,
        view.sets,
        view.result.units,
        indicators,
        view.inputs_sha256,
        changes,
    )
    saved = store.list_runs(engine, view.result.year)
    run = saved[saved["id"] == run_id].iloc[0].to_dict()
    return replace(view, run=run, latest=run)


def lock_assessment(engine: Engine, actor: Actor, view: AssessmentView) -> AssessmentView:
    """Lock the saved run that holds the view's figures (``assessment.lock``, leaders).

    The leading group approves what the office ran: when no saved run holds
    the current figures the lock is refused (NothingToLock) and nothing changes.
    """
    require(actor, "assessment.lock")
    check_decision_date(view.as_of, what=Message("refusals.what.assessment_lock"))
    if view.run is None:
        raise NothingToLock(Message("refusals.nothing_to_lock", year=view.result.year))
    store.lock_run(engine, actor, int(view.run["id"]))
    run = {**view.run, "status": "locked", "locked_by": actor.username}
    return replace(view, run=run, latest=run)


def worded_indicators(indicators: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The indicators with value, target and 说明 worded in ``lang`` (value_text, target_text,
    explanation_text): 73.4 %, — where there is none, "追溯覆盖率 73.4 %，目标 85.0 % → 17.3 / 20 分"."""
    facts = indicators["explanation"]
    units = [f["unit"] if isinstance(f, dict) else "count" for f in facts]
    return indicators.assign(
        value_text=[word_value(v, u, lang) for v, u in zip(indicators["value"], units, strict=True)],
        target_text=[word_value(v, u, lang) for v, u in zip(indicators["target"], units, strict=True)],
        explanation_text=[word_explanation(f, lang) for f in facts],
    )


def report_data(view: AssessmentView, sensitivity: pd.DataFrame | None = None) -> ReportData:
    """The view as the plain tables the report writers take (worded in Chinese: the report's language)."""
    return ReportData(
        year=view.result.year,
        version=view.version,
        status=view.status,
        as_of=view.as_of,
        units=view.result.units,
        indicators=worded_indicators(view.result.indicators, "zh"),
        set_titles={kind: s.title for kind, s in view.sets.items()},
        sensitivity=sensitivity,
        locked_by=view.run.get("locked_by") if view.run else None,
    )


def score_history(
    engine: Engine, year: int, today: dt.date, frame: RegisterFrame, computed: YearResult | None = None
) -> pd.DataFrame:
    """Scores from FIRST_YEAR to ``year``: a year's newest locked run where there is one (read, not
    computed: a locked run's figures never change), else computed on the record as it is (by
    ``computed`` when given). Columns: year, unit_id, unit, unit_kind, score, grade, kind_average
    (the mean score of the graded units of the unit's kind that year), locked (bool)."""
    compute = computed or (lambda each: year_result(engine, each, today, frame))
    names: pd.DataFrame | None = None  # the units' names and kinds, for the locked years
    parts = []
    for each in range(FIRST_YEAR, year + 1):
        runs = store.list_runs(engine, each)
        locked = runs[runs["status"] == "locked"].head(1)
        if locked.empty:
            units = compute(each).units[["unit_id", "unit", "unit_kind", "score", "grade"]]
        else:
            if names is None:
                names = store.unit_names(engine)
            stored = store.load_run(engine, int(locked["id"].iloc[0]))[1][["unit_id", "score", "grade"]]
            units = names.merge(stored, on="unit_id")
        parts.append(units.assign(year=each, locked=not locked.empty))
    history = pd.concat(parts, ignore_index=True)
    graded = history["score"].where(history["grade"] != NOT_GRADED)  # 不予评定 scores are no benchmark
    history["kind_average"] = (
        graded.groupby([history["year"], history["unit_kind"]]).transform("mean").round(1)
    )
    return history
