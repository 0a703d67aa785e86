"""Benchmark: the public draw over 1,000,000 candidates (issue #6: draw and assignment < 5 s;
verification likewise).

    .venv/bin/python benchmarks/draw.py [--candidates 1000000] [--departments 8]
        [--inspectors 30] [--ratios 0.03,0.10,0.30,0.80] [--mix 0.40,0.35,0.20,0.05] [--spec 1|2|3]

Builds the candidates in memory (codes, risk classes by ``--mix``, departments
and townships at random, ``--inspectors`` per department, a few conflicts),
then times the steps of a draw: freezing the strata (sort, candidate hashes),
the draw of the chosen spec, inspector pairs, manifest build and JSON dump; and verification
with the standard-library verifier (parse + verify) as the public would run it.

Cost model: under specs 1 and 2 the draw hashes every candidate once (N keys), under
spec 3 about k / 4 hashes (a partial shuffle of the sorted list); under spec 1 the pair
assignment hashes every pool inspector once per drawn enterprise (k × n keys, the
spec orders the whole pool for each check), under specs 2 and 3 a few words of one or two
hashes per drawn enterprise. Prints JSON. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import numpy as np

from traceboard.sampling import verify_manifest
from traceboard.sampling.assign import Drawn, NoValidPair, Recusals, assign_pairs
from traceboard.sampling.manifest import build_manifest, dump_manifest
from traceboard.sampling.spec import draw_strata, make_stratum

ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
SEED = "湘乡🎲 2026 第一批 3-1-4-1-5-9-2-6"


def make_codes(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct 18-character codes of the USCC alphabet (check characters not computed)."""
    body = ALPHABET[rng.integers(0, len(ALPHABET), size=(int(n * 1.01) + 10, 10))]
    codes = np.unique(np.char.add("91430381", np.array(["".join(r) for r in body])))
    return rng.permutation(codes)[:n].tolist()


def timed(label: str, figures: dict, step):
    """Wall seconds under ``label`` and this process's CPU seconds beside it (the machine is shared)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    figures[label] = round(time.perf_counter() - started, 3)
    figures[label.removesuffix("_s") + "_cpu_s"] = round(time.process_time() - cpu, 3)
    return result


def run(args) -> dict:
    rng = np.random.default_rng(20261129)
    figures: dict = {
        k: getattr(args, k)
        for k in ("candidates", "departments", "inspectors", "ratios", "home_recusal", "spec")
    }
    codes = timed("build_candidates_s", figures, lambda: make_codes(rng, args.candidates))
    classes = rng.choice(list("ABCD"), size=len(codes), p=args.mix)
    dept = rng.integers(0, args.departments, size=len(codes))
    town = rng.integers(0, 22, size=len(codes))
    ratios = dict(zip("ABCD", args.ratios, strict=True))
    strata = timed(
        "freeze_strata_s",
        figures,
        lambda: [make_stratum(c, ratios[c], np.asarray(codes)[classes == c].tolist()) for c in "ABCD"],
    )
    spec = f"traceboard-draw/{args.spec}"
    drawn = timed("draw_s", figures, lambda: draw_strata(SEED, strata, spec))
    figures["drawn"] = sum(len(d) for d in drawn)
    where = {c: i for i, c in enumerate(codes)}
    pools = {
        f"部门{d}": list(range(d * 1000 + 1, d * 1000 + args.inspectors + 1)) for d in range(args.departments)
    }
    homes = {i: str(rng.integers(0, 22)) for ids in pools.values() for i in ids}

    def assign():
        order = [Drawn(c, f"部门{dept[where[c]]}", str(town[where[c]])) for d in drawn for c in d]
        return assign_pairs(SEED, order, pools, Recusals(frozenset(), homes, args.home_recusal), spec=spec)

    try:
        assignments = timed("assign_s", figures, assign)
    except NoValidPair as exc:
        figures["assign_failed"] = str(exc)[:160]
        return figures
    figures["draw_and_assign_s"] = round(figures["draw_s"] + figures["assign_s"], 3)
    figures["draw_and_assign_cpu_s"] = round(figures["draw_cpu_s"] + figures["assign_cpu_s"], 3)
    created = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    manifest = timed(
        "manifest_build_s",
        figures,
        lambda: build_manifest(SEED, strata, drawn, assignments, pools, created, args.home_recusal, spec),
    )
    data = timed("manifest_dump_s", figures, lambda: dump_manifest(manifest))
    figures["manifest_mb"] = round(len(data) / 1e6, 1)
    parsed = timed("verify_parse_s", figures, lambda: verify_manifest.load(data))
    problem = timed("verify_s", figures, lambda: verify_manifest.verify(parsed))
    figures["verify_total_s"] = round(figures["verify_parse_s"] + figures["verify_s"], 3)
    figures["verify_total_cpu_s"] = round(figures["verify_parse_cpu_s"] + figures["verify_cpu_s"], 3)
    figures["verified"] = problem is None
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--departments", type=int, default=8)
    parser.add_argument(
        "--inspectors", type=int, default=30, help="Active inspectors per department (pool size n)."
    )
    parser.add_argument("--no-home-recusal", dest="home_recusal", action="store_false")
    parser.add_argument("--spec", choices=["1", "2", "3"], default="3", help="Draw specification.")
    parser.add_argument(
        "--ratios", type=lambda s: [float(x) for x in s.split(",")], default=[0.03, 0.10, 0.30, 0.80]
    )
    parser.add_argument(
        "--mix", type=lambda s: [float(x) for x in s.split(",")], default=[0.40, 0.35, 0.20, 0.05]
    )
    print(json.dumps(run(parser.parse_args()), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
