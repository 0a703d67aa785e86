"""The draw ceremony (issue 6, part 3): freeze the candidate list, commit, reveal the seed, draw.

``freeze_draw`` fixes everything the draw depends on before the seed is known
— the strata with their candidates, each candidate's pool and township, the
pools' inspectors, their home townships and the declared conflicts — as one
plain dict (stored with the commitment). ``reveal`` checks the seed against
its commitment and runs the draw and the pair assignment of the frozen spec on that dict only, so
the result is fixed the moment the list is published.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from traceboard.gcpause import without_cyclic_gc
from traceboard.i18n import Message
from traceboard.sampling.assign import Drawn, Recusals, assign_pairs
from traceboard.sampling.manifest import build_manifest
from traceboard.sampling.plans import stratum_rows
from traceboard.sampling.spec import (
    SPEC,
    DrawRefused,
    Stratum,
    check_seed,
    check_spec,
    draw_strata_positions,
    exact_ratio,
    list_sha256,
)


@without_cyclic_gc
def freeze_draw(
    candidates: pd.DataFrame,
    ratios: Mapping[str, object],
    inspectors: pd.DataFrame,
    conflicts: pd.DataFrame,
    home_township: bool = True,
    spec: str = SPEC,
) -> dict:
    """The frozen draw: its spec, strata (sorted codes with ids, pools, townships), pools, homes, conflicts.

    Input: candidates with ``id, uscc, stratum, pool, township``; ``ratios`` per
    stratum label (or ``"*"`` for all); ``inspectors`` with ``id, department,
    home_township, active``; ``conflicts`` with ``uscc, inspector_id``.
    """
    if candidates.empty:
        raise DrawRefused(Message("refusals.no_candidates"))
    spans = stratum_rows(candidates)
    order = np.concatenate([rows for _, rows in spans])
    # the code strings are made in the order they will be read (hashed, drawn, published), so that
    # reading a million of them walks memory forwards instead of jumping about (~20 % of the draw)
    codes = candidates["uscc"].iloc[order].to_numpy(dtype=object)
    ids = candidates["id"].to_numpy(dtype=np.int64)[order]
    pool_names, pool_codes, pools = _names(candidates["pool"], order)
    town_names, town_codes, _ = _names(candidates["township"], order)
    bounds = np.cumsum([0] + [len(rows) for _, rows in spans])
    strata = [
        {
            "stratum": label,
            "ratio": float(exact_ratio(ratios.get(label, ratios.get("*")))),
            "candidates": codes[lo:hi].tolist(),
            "ids": ids[lo:hi].tolist(),
            # the few names looked up by their small codes, a stratum at a time: a million-long
            # array of the names is never made (a fifth of the freezing)
            "pools": pool_names[pool_codes[lo:hi]].tolist(),
            "townships": town_names[town_codes[lo:hi]].tolist(),
        }
        for (label, _), lo, hi in zip(spans, bounds[:-1], bounds[1:], strict=True)
    ]
    active = inspectors[inspectors["active"] & inspectors["department"].isin(pools)]
    # conflicts are few and candidates many: look the few up among the many
    declared = candidates["uscc"].isin(set(conflicts["uscc"]))
    relevant = conflicts[conflicts["uscc"].isin(set(candidates.loc[declared, "uscc"]))]
    # columns as plain lists before the row loops (iterating an Arrow-backed column is slow)
    ids, departments = active["id"].tolist(), active["department"].tolist()
    members: dict[str, list[int]] = {p: [] for p in pools}
    for i, d in zip(ids, departments, strict=True):
        if d in members:
            members[d].append(int(i))
    housed = active[active["home_township"].notna()]
    return {
        "spec": check_spec(spec),
        "strata": strata,
        "pools": {p: sorted(found) for p, found in members.items()},
        "homes": {
            str(int(i)): h
            for i, h in zip(housed["id"].tolist(), housed["home_township"].tolist(), strict=True)
        },
        "conflicts": [
            [u, int(i)]
            for u, i in zip(relevant["uscc"].tolist(), relevant["inspector_id"].tolist(), strict=True)
        ],
        "home_township_recusal": bool(home_township),
    }


def _names(column: pd.Series, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A text column's names as an object array (None last, for missing), each row's code into it
    in ``order``, and the names that occur, sorted."""
    cat = column.astype("category").cat
    names = np.array([str(c) for c in cat.categories] + [None], dtype=object)
    codes = cat.codes.to_numpy()
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cat.categories)))
    return names, codes[order], sorted(names[used].tolist())  # code -1 (missing) picks the trailing None


def frozen_strata(frozen: Mapping) -> list[Stratum]:
    """The strata of a frozen draw; its candidate lists must be sorted and unique, as frozen."""
    strata = []
    for s in frozen["strata"]:
        codes = s["candidates"]
        # each code below the next, compared pairwise in C (no array of the codes made to compare)
        if not all(map(operator.lt, codes, itertools.islice(codes, 1, None))):
            raise DrawRefused(Message("refusals.frozen_unsorted", stratum=s["stratum"]))
        strata.append(Stratum(s["stratum"], exact_ratio(s["ratio"]), tuple(codes)))
    return strata


def frozen_list_sha256(frozen: Mapping) -> str:
    """The list hash to publish at commit."""
    return list_sha256([(s.label, s.sha256) for s in frozen_strata(frozen)])


@without_cyclic_gc
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
    positions = draw_strata_positions(seed, strata, frozen["spec"])
    drawn = [list(map(s.candidates.__getitem__, at)) for s, at in zip(strata, positions, strict=True)]
    order: list[Drawn] = []
    for fs, at in zip(frozen["strata"], positions, strict=True):  # tens of thousands: no call per row
        picked = (map(fs[name].__getitem__, at) for name in ("candidates", "pools", "townships"))
        order.extend(map(Drawn._make, zip(*picked, strict=True)))
    pools = {p: list(ids) for p, ids in frozen["pools"].items()}
    assignments = assign_pairs(seed, order, pools, _recusals(frozen), spec=frozen["spec"])
    manifest = build_manifest(
        seed, strata, drawn, assignments, pools, created_at, frozen["home_township_recusal"], frozen["spec"]
    )
    return manifest, _rows(frozen, strata, positions, drawn, assignments)


def _recusals(frozen: Mapping) -> Recusals:
    return Recusals(
        frozenset((u, int(i)) for u, i in frozen["conflicts"]),
        {int(i): town for i, town in frozen["homes"].items()},
        frozen["home_township_recusal"],
    )


def _rows(
    frozen: Mapping,
    strata: Sequence[Stratum],
    positions: Sequence[Sequence[int]],
    drawn: Sequence[Sequence[str]],
    assignments: Sequence[dict],
) -> pd.DataFrame:
    parts = []
    for fs, stratum, at, codes in zip(frozen["strata"], strata, positions, drawn, strict=True):
        parts.append(
            pd.DataFrame(
                {
                    # picked by map, without a Python call per row
                    "enterprise_id": np.fromiter(map(fs["ids"].__getitem__, at), np.int64, len(at)),
                    "uscc": np.array(codes, dtype=object),
                    "stratum": stratum.label,
                    "position": np.arange(1, len(at) + 1),
                    "inclusion_probability": len(at) / len(stratum.candidates),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["pool"] = list(map(operator.itemgetter("pool"), assignments))
    out["inspectors"] = list(map(operator.itemgetter("inspectors"), assignments))
    return out
