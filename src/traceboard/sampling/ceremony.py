"""The draw ceremony (issue 6, part 3): freeze the candidate list, commit, reveal the seed, draw.

``freeze_draw`` fixes everything the draw depends on before the seed is known
— the strata with their candidates, each candidate's pool and township, the
pools' inspectors, their home townships and the declared conflicts — as one
plain dict (stored with the commitment). ``reveal`` checks the seed against
its commitment and runs spec v1 and the pair assignment on that dict only, so
the result is fixed the moment the list is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from traceboard.sampling.assign import Drawn, assign_pairs, compute_recusals
from traceboard.sampling.manifest import build_manifest
from traceboard.sampling.plans import build_strata
from traceboard.sampling.spec import (
    SPEC,
    DrawRefused,
    Stratum,
    check_seed,
    draw_strata,
    list_sha256,
    make_stratum,
)


def freeze_draw(
    candidates: pd.DataFrame,
    ratios: Mapping[str, object],
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame,
    home_township: bool = True,
) -> dict:
    """The frozen draw: strata (sorted codes with ids, pools, townships), pools, homes, conflicts.

    Input: candidates with ``id, uscc, stratum, pool, township``; ``ratios`` per
    stratum label (or ``"*"`` for all); ``inspectors`` with ``id, department,
    home_township, active``; ``conflicts`` with ``uscc, inspector_id``.
    """
    if candidates.empty:
        raise DrawRefused("no candidates: nothing to draw from")
    strata = build_strata(candidates, dict(ratios))
    by_code = candidates.set_index("uscc")
    pools = sorted(candidates["pool"].astype(str).unique())
    active = inspectors[inspectors["active"] & inspectors["department"].isin(pools)]
    codes = set(candidates["uscc"])
    return {
        "spec": SPEC,
        "strata": [_frozen_stratum(s, by_code) for s in strata],
        "pools": {p: sorted(int(i) for i in active.loc[active["department"] == p, "id"]) for p in pools},
        "homes": {str(int(r.id)): r.home_township for r in active.itertuples() if pd.notna(r.home_township)},
        "conflicts": [
            [u, int(i)]
            for u, i in zip(conflicts["uscc"], conflicts["inspector_id"], strict=True)
            if u in codes
        ],
        "home_township_recusal": bool(home_township),
    }


def _frozen_stratum(stratum: Stratum, by_code: pd.DataFrame) -> dict:
    rows = by_code.loc[list(stratum.candidates)]
    return {
        "stratum": stratum.label,
        "ratio": float(stratum.ratio),
        "candidates": list(stratum.candidates),
        "ids": rows["id"].astype(int).tolist(),
        "pools": rows["pool"].astype(str).tolist(),
        "townships": rows["township"].astype(object).where(rows["township"].notna(), None).tolist(),
    }


def frozen_strata(frozen: Mapping) -> list[Stratum]:
    return [make_stratum(s["stratum"], s["ratio"], s["candidates"]) for s in frozen["strata"]]


def frozen_list_sha256(frozen: Mapping) -> str:
    """The list hash to publish at commit."""
    return list_sha256([(s.label, s.sha256) for s in frozen_strata(frozen)])


def reveal(
    frozen: Mapping, seed: str, seed_sha256: str, created_at: dt.datetime
) -> tuple[dict, pd.DataFrame]:
    """Check the seed, draw and assign. Output: the manifest and one row per drawn enterprise.

    Rows: ``enterprise_id, uscc, stratum, position`` (1-based, in key order),
    ``inclusion_probability`` (k/N), ``pool``, ``inspectors`` (two ids).
    Raises ``DrawRefused`` (seed) or ``NoValidPair``; nothing is returned half-done.
    """
    check_seed(seed, seed_sha256)
    strata = frozen_strata(frozen)
    drawn = draw_strata(seed, strata)
    meta = {code: (s, i) for s in frozen["strata"] for i, code in enumerate(s["candidates"])}
    order = [
        Drawn(c, meta[c][0]["pools"][meta[c][1]], meta[c][0]["townships"][meta[c][1]])
        for codes in drawn
        for c in codes
    ]
    pools = {p: list(ids) for p, ids in frozen["pools"].items()}
    assignments = assign_pairs(seed, order, pools, _recusals(frozen, order))
    manifest = build_manifest(
        seed, strata, drawn, assignments, pools, created_at, frozen["home_township_recusal"]
    )
    return manifest, _rows(strata, drawn, meta, assignments)


def _recusals(frozen: Mapping, order: Sequence[Drawn]) -> dict:
    homes = frozen["homes"]
    inspectors = pd.DataFrame({"id": [int(i) for i in homes], "home_township": list(homes.values())})
    conflicts = pd.DataFrame(frozen["conflicts"], columns=["uscc", "inspector_id"])
    return compute_recusals(order, inspectors, conflicts, frozen["home_township_recusal"])


def _rows(strata: Sequence[Stratum], drawn, meta: Mapping, assignments: Sequence[dict]) -> pd.DataFrame:
    rows = []
    for stratum, codes in zip(strata, drawn, strict=True):
        probability = len(codes) / len(stratum.candidates)
        for position, code in enumerate(codes, start=1):
            frozen_stratum, i = meta[code]
            rows.append((frozen_stratum["ids"][i], code, stratum.label, position, probability))
    out = pd.DataFrame(
        rows, columns=["enterprise_id", "uscc", "stratum", "position", "inclusion_probability"]
    )
    out["pool"] = [a["pool"] for a in assignments]
    out["inspectors"] = [a["inspectors"] for a in assignments]
    return out
