import copy
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.sampling import reference_spec as ref
from traceboard.sampling import verify_manifest
from traceboard.sampling.assign import Drawn, Recusals, assign_pairs
from traceboard.sampling.manifest import (
    ManifestInvalid,
    build_manifest,
    check_manifest,
    dump_manifest,
    write_manifest,
)
from traceboard.sampling.spec import SPEC_V1, SPEC_V2, SPEC_V3, draw_strata, make_stratum

GOLDEN_DIR = Path(__file__).parent / "golden"
GOLDEN = GOLDEN_DIR / "manifest_v1.json"
SPECS = pytest.mark.parametrize("spec", [SPEC_V1, SPEC_V2, SPEC_V3])


def golden(spec):
    return GOLDEN_DIR / f"manifest_v{spec[-1]}.json"


VERIFIER = Path(verify_manifest.__file__)
SEED = "湘乡市2026年第一批🎲 4-2-6-1-3"
CREATED = dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.UTC)


def city():
    """Three strata (Chinese labels), codes from a fixed list, two pools."""
    food = [f"91430381MA4L{i:04d}X{i % 10}" for i in range(1, 31)]
    drugs = [f"91430381MA5K{i:04d}Y{i % 10}" for i in range(1, 13)]
    strata = [
        make_stratum("食品", 0.1, food),
        make_stratum("药品", 0.25, drugs),
        make_stratum("D", 1, food[:2]),
    ]
    strata[2] = make_stratum("D", 1, ["92430381MA6P0001Z1", "92430381MA6P0002Z2"])
    pool_of = {c: "市食药工商质监局" for s in strata for c in s.candidates}
    pool_of.update({c: "市商务粮食局" for c in strata[2].candidates})
    return strata, pool_of, {"市食药工商质监局": [11, 12, 13, 14, 15], "市商务粮食局": [21, 22, 23]}


# Who recuses from the first drawn code: in v2 (v3), 13 (12) comes first in its walk, so it is passed over.
RECUSED_FIRST = {SPEC_V1: {12, 14}, SPEC_V2: {13, 14}, SPEC_V3: {12, 14}}


def make_manifest(spec=SPEC_V1):
    strata, pool_of, pools = city()
    drawn = draw_strata(SEED, strata, spec)
    order = [Drawn(c, pool_of[c], "望春门街道") for codes in drawn for c in codes]
    recusals = Recusals(frozenset((order[0].uscc, i) for i in RECUSED_FIRST[spec]))
    assignments = assign_pairs(SEED, order, pools, recusals, spec=spec)
    return build_manifest(SEED, strata, drawn, assignments, pools, CREATED, spec=spec)


@SPECS
def test_golden_manifest(spec):
    data = dump_manifest(make_manifest(spec))
    if os.environ.get("UPDATE_GOLDEN"):
        golden(spec).write_bytes(data)
    assert data == golden(spec).read_bytes()
    assert "湘乡市2026年第一批🎲".encode() in data  # Chinese and the emoji written as characters, UTF-8
    assert json.loads(data)["spec"] == spec


@SPECS
def test_a_manifest_written_a_line_at_a_time_is_the_golden_bytes(spec, tmp_path):
    path = tmp_path / "manifest.json"
    with path.open("wb") as out:
        write_manifest(make_manifest(spec), out)
    assert path.read_bytes() == golden(spec).read_bytes()


@SPECS
def test_the_verifier_shares_equal_integers_and_parses_as_json_does(spec):
    data = golden(spec).read_bytes()
    parsed = verify_manifest.load(data)
    assert parsed == json.loads(data, parse_float=Decimal)
    ids = [i for a in parsed["assignments"] for i in a["inspectors"] + a["recused"]]
    ids += [i for p in parsed["pools"] for i in p["inspectors"]]
    assert len({id(i) for i in ids}) == len(set(ids)) < len(ids)  # one object per distinct id


@pytest.mark.parametrize(
    ("spec", "draw", "order"),
    [
        (SPEC_V1, ref.draw, ref.order_v1),
        (SPEC_V2, ref.draw, ref.order_v2),
        (SPEC_V3, ref.draw_v3, ref.order_v2),
    ],
)
def test_golden_manifest_agrees_with_the_independent_implementation(spec, draw, order):
    manifest = json.loads(golden(spec).read_text(encoding="utf-8"))
    strata, pool_of, pools = city()
    assert manifest["seed_sha256"] == hashlib.sha256(SEED.encode()).hexdigest()
    for s, entry in zip(strata, manifest["strata"], strict=True):
        k = ref.k_of(str(entry["ratio"]), len(s.candidates))
        assert (entry["N"], entry["k"]) == (len(s.candidates), k)
        assert entry["drawn"] == draw(SEED, s.label, list(s.candidates), k)
    assert [(e["stratum"], e["k"]) for e in manifest["strata"]] == [("食品", 3), ("药品", 3), ("D", 2)]
    drawn = [c for e in manifest["strata"] for c in e["drawn"]]
    first = drawn[0]
    expected = ref.pairs(
        SEED,
        drawn,
        pool_of,
        dict.fromkeys(drawn, "望春门街道"),
        pools,
        {(i, first) for i in RECUSED_FIRST[spec]},
        {},
        order=order,
    )
    assert [a["inspectors"] for a in manifest["assignments"]] == [expected[c] for c in drawn]
    walk = order(SEED, first, pools[pool_of[first]])
    passed = set(walk[: max(walk.index(i) for i in expected[first])])
    # v1 lists every recusal of the pool; v2 and v3 those the walk passed over before the pair was complete
    listed = RECUSED_FIRST[spec] if spec == SPEC_V1 else RECUSED_FIRST[spec] & passed
    assert manifest["assignments"][0]["recused"] == sorted(listed) != []
    assert all(a["recused"] == [] for a in manifest["assignments"][1:])
    assert [p["cap"] for p in manifest["pools"]] == [3, 4]  # ceil(4/3)+1 and ceil(12/5)+1


def run_verifier(path):
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False
    )


@SPECS
def test_standalone_verifier_accepts_the_golden_manifest(spec):
    done = run_verifier(golden(spec))
    assert done.returncode == 0 and done.stdout.startswith("OK"), done.stdout + done.stderr


@SPECS
def test_manifests_in_the_earlier_indented_layout_still_verify(spec):
    """Manifests published before the one-line-per-entry layout (a code per line) are the same JSON
    and the stand-alone verifier still accepts them."""
    earlier = GOLDEN_DIR / f"manifest_v{spec[-1]}_indented.json"
    assert earlier.read_bytes() != golden(spec).read_bytes()
    assert b'\n    "91430381MA4L0001X1",\n' in earlier.read_bytes()  # a code per line
    assert json.loads(earlier.read_bytes()) == json.loads(golden(spec).read_bytes())
    done = run_verifier(earlier)
    assert done.returncode == 0 and done.stdout.startswith("OK"), done.stdout + done.stderr


def test_the_layout_has_one_line_per_stratum_and_per_assignment():
    manifest = make_manifest(SPEC_V3)
    lines = dump_manifest(manifest).decode("utf-8").splitlines()
    assert (
        len(lines)
        == 1 + 6 + 3 * 2 + len(manifest["strata"]) + len(manifest["pools"]) + len(manifest["assignments"]) + 1
    )
    assert json.loads(lines[lines.index('"assignments": [') + 1].rstrip(",")) == manifest["assignments"][0]


def tamper(manifest, how):
    m = copy.deepcopy(manifest)
    if how == "drawn":
        m["strata"][0]["drawn"][1], m["strata"][0]["drawn"][2] = (
            m["strata"][0]["drawn"][2],
            m["strata"][0]["drawn"][1],
        )
    elif how == "candidate":
        m["strata"][1]["candidates"][0] = "91430381MA5K0000Y0"
    elif how == "k":
        m["strata"][1]["k"] = 4
    elif how == "seed":
        m["seed"] = m["seed"] + " "
    elif how == "inspectors":
        m["assignments"][2]["inspectors"] = m["assignments"][2]["inspectors"][::-1]
    elif how == "recused":
        m["assignments"][4]["recused"] = m["assignments"][4]["inspectors"][:1]
    elif how == "cap":
        m["pools"][0]["cap"] = 9
    elif how == "missing":
        del m["assignments"][-1]
    return m


@pytest.mark.parametrize(
    ("how", "named"),
    [
        ("drawn", "stratum 1 (食品): drawn code 2"),
        ("candidate", "stratum 2 (药品): candidates_sha256 does not match"),
        ("k", "stratum 2 (药品): k is 4 but ceil(ratio x N) = 3"),
        ("seed", "seed_sha256 does not match the seed"),
        ("inspectors", "assignment 3 ("),
        ("recused", "assignment 5 ("),
        ("cap", "pool 市商务粮食局: cap is 9"),
        ("missing", "assignment 8: missing for drawn code"),
    ],
)
@SPECS
def test_hand_edited_manifest_is_refused_naming_the_problem(tmp_path, how, named, spec):
    manifest = json.loads(golden(spec).read_text(encoding="utf-8"))
    bad = dump_manifest(tamper(manifest, how))
    with pytest.raises(ManifestInvalid) as info:
        check_manifest(bad)
    assert named in str(info.value)
    path = tmp_path / "bad.json"
    path.write_bytes(bad)
    done = run_verifier(path)
    assert done.returncode == 1 and named in done.stdout


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"{not json", "not UTF-8 JSON"),
        (b"[]", "not a JSON object"),
        (b'{"spec": "traceboard-draw/1"}', "'seed'"),
    ],
)
def test_malformed_manifest_is_refused(data, named):
    with pytest.raises(ManifestInvalid, match=named):
        check_manifest(data)


def test_unknown_spec_version_is_refused():
    manifest = json.loads(GOLDEN.read_text(encoding="utf-8"))
    manifest["spec"] = "traceboard-draw/9"
    with pytest.raises(
        ManifestInvalid,
        match="this verifier knows 'traceboard-draw/1', 'traceboard-draw/2' and 'traceboard-draw/3'",
    ):
        check_manifest(json.dumps(manifest))


@pytest.mark.parametrize(("n", "ks"), [(1, [1]), (30, [0, 1, 3, 30]), (5000, [1, 7, 250, 1000, 4999, 5000])])
def test_the_verifiers_draw_is_the_definition_whatever_k_against_n(n, ks):
    # The verifier sorts only the keys under a bound (most of them when k is near N, a few when
    # k is small): the k it returns must be the definition's at either end.
    codes = sorted(f"91430381MA{i:06d}X{i % 10}" for i in range(n))
    for k in ks:
        assert verify_manifest.draw(SEED, "食品", codes, k) == ref.draw(SEED, "食品", codes, k)


def test_verifier_uses_the_standard_library_only():
    imports = [
        line.split()[1] for line in VERIFIER.read_text().splitlines() if line.startswith(("import ", "from "))
    ]
    assert set(imports) <= {
        "functools",
        "hashlib",
        "heapq",
        "itertools",
        "json",
        "math",
        "operator",
        "sys",
        "decimal",
    }


def test_the_published_verifier_is_the_standalone_module():
    from traceboard.files.sampling_files import verifier_source

    source = verifier_source()
    assert source == Path(verify_manifest.__file__).read_bytes()
    assert b"import traceboard" not in source and b"from traceboard" not in source


@pytest.mark.parametrize(
    ("how", "kind", "said"),
    [
        ("k", "manifest_stratum", "某一层的抽取结果与按规则重算的结果不一致：stratum 2 (药品)"),
        ("seed", "manifest_seed", "揭示的种子与事先公布的种子哈希不符：seed_sha256 does not match"),
        ("inspectors", "manifest_assignment", "检查人员分派与按规则重算的结果不一致：assignment 3 ("),
        ("cap", "manifest_pool", "检查人员库的记录有误：pool 市商务粮食局: cap is 9"),
    ],
)
def test_a_failed_verification_is_worded_in_chinese_by_its_kind(how, kind, said):
    from traceboard.i18n import message_of, word

    manifest = json.loads(golden(SPEC_V1).read_text(encoding="utf-8"))
    with pytest.raises(ManifestInvalid) as info:
        check_manifest(dump_manifest(tamper(manifest, how)))
    assert message_of(info.value).code == f"refusals.{kind}"
    assert word(info.value, "zh").startswith(said)
    with pytest.raises(ManifestInvalid) as info:
        check_manifest(b"[]")
    assert word(info.value, "zh") == "抽取清单文件的格式不对：the manifest is not a JSON object"
