"""Risk classes A–D from data (issue 6, part 2): a model of the chance that a check finds a problem.

Method ``logistic``: one-hot sector, sub-category and township plus the
numeric history of :mod:`risk_features`, a logistic regression whose
probabilities are calibrated (Platt/sigmoid, 3-fold, fixed random_state).
Validated in time order: trained on the checks of the years before the last
year with checks, tested on that year (ROC AUC, Brier score, a calibration
table by predicted decile, and the share of the year's problems found in the
20 % of checks the model ranks riskiest against the 20 % random checks find).
The model then used for the classes is refitted on every year.

Classes from the calibrated probability p against r, the share of all checks
that found a problem (risk relative to the average checked enterprise; the
thresholds in probabilities are stored in the report):
A p < 0.5 r, B 0.5 r ≤ p < r, C r ≤ p < 2 r, D p ≥ 2 r.
Fixed thresholds such as 5 %/15 %/35 % would put nearly every enterprise in
one class when r is ~25 %, which leaves nothing for the ratios to work on.
Blacklisted enterprises are D whatever p is (docs/draw.md).

Method ``rules`` (said as such) when there are too few results to learn from
(fewer than MIN_CHECKS checks or MIN_PROBLEMS problems in training, or a test
year with no problem or no clean check): points for a problem at the last
check (2), any earlier problem (1), blacklist history (2), no traceability (1),
never checked (1); A 0, B 1, C 2–3, D ≥ 4 points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from traceboard.sampling.risk_features import CATEGORICAL, NUMERIC

THRESHOLD_MULTIPLES = {"B": 0.5, "C": 1.0, "D": 2.0}  # × the base rate r
RULE_POINTS = {
    "failed_last_check": 2,
    "past_failures": 1,
    "blacklist_history": 2,
    "not_adopted": 1,
    "never_checked": 1,
}
RULE_CLASSES = ((4, "D"), (2, "C"), (1, "B"), (0, "A"))
MIN_CHECKS, MIN_PROBLEMS, MIN_TEST = 300, 30, 50
TOP_SHARE = 0.2


def _pipeline(random_state: int) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), CATEGORICAL),
            ("num", StandardScaler(), NUMERIC),
        ]
    )
    return Pipeline(
        [("prep", prep), ("lr", LogisticRegression(C=0.2, max_iter=2000, random_state=random_state))]
    )


def _calibrated(x: pd.DataFrame, y: np.ndarray, random_state: int) -> CalibratedClassifierCV:
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=random_state)
    return CalibratedClassifierCV(_pipeline(random_state), method="sigmoid", cv=folds).fit(x, y)


def class_thresholds(base_rate: float) -> dict[str, float]:
    """The lower probability bound of classes B, C, D for a base rate r (A starts at 0)."""
    return {c: round(m * base_rate, 6) for c, m in THRESHOLD_MULTIPLES.items()}


def classify(probability: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Class letters from calibrated probabilities: the highest class whose bound p reaches."""
    edges = [thresholds[c] for c in "BCD"]
    return np.array(list("ABCD"))[np.searchsorted(edges, probability, side="right")]


def validate_in_time(checks: pd.DataFrame, random_state: int = 0) -> dict | None:
    """Train on the years before the last, test on the last; the report dict, or None if too few results."""
    test_year = int(checks["year"].max()) if len(checks) else 0
    train, test = checks[checks["year"] < test_year], checks[checks["year"] == test_year]
    y_train, y_test = train["problem"].to_numpy(), test["problem"].to_numpy()
    if (
        len(train) < MIN_CHECKS
        or y_train.sum() < MIN_PROBLEMS
        or len(test) < MIN_TEST
        or len(set(y_test)) < 2
    ):
        return None
    p = _calibrated(train[CATEGORICAL + NUMERIC], y_train, random_state).predict_proba(
        test[CATEGORICAL + NUMERIC]
    )[:, 1]
    top = np.argsort(-p, kind="stable")[: int(np.ceil(TOP_SHARE * len(p)))]
    found = float(y_test[top].sum() / y_test.sum())
    return {
        "train_years": [int(train["year"].min()), test_year - 1],
        "test_year": test_year,
        "train_checks": len(train),
        "test_checks": len(test),
        "test_problems": int(y_test.sum()),
        "roc_auc": float(roc_auc_score(y_test, p)),
        "brier": float(brier_score_loss(y_test, p)),
        "brier_base_rate": float(brier_score_loss(y_test, np.full(len(p), y_train.mean()))),
        "calibration": _calibration_table(p, y_test),
        "top20_found": found,
        "top20_random": TOP_SHARE,
        "top20_lift": found / TOP_SHARE,
    }


def _calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict]:
    order = np.argsort(p, kind="stable")
    return [
        {"predicted": float(p[part].mean()), "observed": float(y[part].mean()), "checks": int(part.size)}
        for part in np.array_split(order, bins)
        if part.size
    ]


def _reasons_model(model: Pipeline, x: pd.DataFrame, top: int = 3) -> list[list[str]]:
    """Per row, the features that push its risk up most (coefficient × standardised value > 0)."""
    prep, lr = model.named_steps["prep"], model.named_steps["lr"]
    names = prep.get_feature_names_out()
    matrix = prep.transform(x)
    matrix = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
    contrib = matrix * lr.coef_[0]
    best = np.argsort(-contrib, axis=1)[:, :top]
    labels = np.array([_reason_label(n, x) for n in names], dtype=object)
    return [[labels[j] for j in row if contrib[i, j] > 0] for i, row in enumerate(best)]


def _reason_label(name: str, x: pd.DataFrame) -> str:
    kind, feature = name.split("__", 1)
    if kind == "cat":
        column = next(c for c in CATEGORICAL if feature.startswith(c + "_"))
        return f"{column}:{feature[len(column) + 1 :]}"
    return feature


def score_rules(current: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """Rule points and the rules that fired, per enterprise (the fallback)."""
    fired = {
        "failed_last_check": current["failed_last_check"].to_numpy() > 0,
        "past_failures": current["past_failures"].to_numpy() > current["failed_last_check"].to_numpy(),
        "blacklist_history": current["blacklist_history"].to_numpy() > 0,
        "not_adopted": current["adopted"].to_numpy() == 0,
        "never_checked": current["never_checked"].to_numpy() > 0,
    }
    points = sum(RULE_POINTS[k] * v.astype(int) for k, v in fired.items())
    reasons = [[k for k in fired if fired[k][i]] for i in range(len(current))]
    return np.asarray(points), reasons


def fit_risk_classes(
    checks: pd.DataFrame, current: pd.DataFrame, blacklisted: np.ndarray, random_state: int = 0
) -> tuple[dict, pd.DataFrame]:
    """Train, validate and class every enterprise.

    Input: ``checks`` from :func:`risk_features.check_features`, ``current`` from
    :func:`risk_features.current_features`, ``blacklisted`` (bool per row of
    ``current``). Output: the report (method, validation, thresholds, class
    counts) and a DataFrame aligned with ``current``: ``risk_class``,
    ``probability`` (NaN under rules), ``reasons`` (lists of reason codes).
    """
    validation = validate_in_time(checks, random_state)
    if validation is None:
        report, classes, probability, reasons = _fit_rules(current)
    else:
        report, classes, probability, reasons = _fit_model(checks, current, validation, random_state)
    classes = np.where(blacklisted, "D", classes)
    reasons = [["blacklisted", *r] if b else r for r, b in zip(reasons, blacklisted, strict=True)]
    out = pd.DataFrame({"risk_class": classes, "probability": probability, "reasons": reasons})
    report["class_counts"] = {c: int((classes == c).sum()) for c in "ABCD"}
    report["checks"] = len(checks)
    return report, out


def _fit_rules(current: pd.DataFrame) -> tuple[dict, np.ndarray, np.ndarray, list]:
    points, reasons = score_rules(current)
    classes = np.array([next(c for p0, c in RULE_CLASSES if pt >= p0) for pt in points])
    report = {"method": "rules", "rule_points": RULE_POINTS, "rule_classes": {c: p for p, c in RULE_CLASSES}}
    return report, classes, np.full(len(current), np.nan), reasons


def _fit_model(checks: pd.DataFrame, current: pd.DataFrame, validation: dict, random_state: int) -> tuple:
    x, y = checks[CATEGORICAL + NUMERIC], checks["problem"].to_numpy()
    probability = _calibrated(x, y, random_state).predict_proba(current[CATEGORICAL + NUMERIC])[:, 1]
    thresholds = class_thresholds(float(y.mean()))
    reasons = _reasons_model(_pipeline(random_state).fit(x, y), current[CATEGORICAL + NUMERIC])
    report = {
        "method": "logistic",
        "validation": validation,
        "base_rate": float(y.mean()),
        "thresholds": thresholds,
        "threshold_multiples": THRESHOLD_MULTIPLES,
    }
    return report, classify(probability, thresholds), probability, reasons
