import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.sampling import reference_spec as ref
from traceboard.sampling.assign import Drawn, NoValidPair, Recusals, assign_pairs, workload_cap
from traceboard.sampling.spec import SPEC_V1, SPEC_V2, SPEC_V3, DrawRefused, shuffled_order, uniform_below

SEED = "抽签🎲2026"


def drawn_list(n, pool="市农业局", township="山枣镇"):
    return [Drawn(f"9143038100000{i:05d}", pool, township) for i in range(n)]


def recusals(homes=None, conflicts=(), home=True):
    return Recusals(frozenset(conflicts), homes or {}, home)


@pytest.mark.parametrize(("k", "n", "cap"), [(10, 4, 6), (1, 2, 2), (7, 3, 6), (100, 100, 3), (3, 30, 2)])
def test_workload_cap(k, n, cap):
    assert workload_cap(k, n) == cap == math.ceil(2 * k / n) + 1


def two_pools_with_recusals():
    """45 checks in two pools, four townships, two home townships and three declared conflicts."""
    towns = ["山枣镇", "白田镇", "壶天镇", "龙洞镇"]
    drawn = [Drawn(d.uscc, d.pool, towns[i % 4]) for i, d in enumerate(drawn_list(40))]
    drawn += [Drawn(f"9243038100000{i:05d}", "市林业局", "白田镇") for i in range(5)]
    pools = {"市农业局": [1, 2, 3, 4, 5, 6], "市林业局": [7, 8, 9, 10]}
    homes = {2: "山枣镇", 9: "白田镇"}
    conflicts = [(drawn[0].uscc, 1), (drawn[0].uscc, 3), (drawn[41].uscc, 7)]
    return drawn, pools, homes, conflicts


def reference_pairs(seed, drawn, pools, homes=None, conflicts=(), order=ref.order_v1):
    return ref.pairs(
        seed,
        [d.uscc for d in drawn],
        {d.uscc: d.pool for d in drawn},
        {d.uscc: d.township for d in drawn},
        pools,
        {(i, u) for u, i in conflicts},
        homes or {},
        order=order,
    )


def assert_recused_as_passed_over(seed, out, drawn, pools, homes, conflicts):
    """Specs 2 and 3 list the recused a walk passed over before its pair was complete, and only those."""
    for a, d in zip(out, drawn, strict=True):
        walk = ref.order_v2(seed, d.uscc, pools[d.pool])
        passed = walk[: max(walk.index(i) for i in a["inspectors"])]
        due = {
            i for i in passed if (d.uscc, i) in set(conflicts) or (d.township and homes.get(i) == d.township)
        }
        assert a["recused"] == sorted(due)


def test_pairs_match_the_independent_implementation_with_recusals():
    drawn, pools, homes, conflicts = two_pools_with_recusals()
    out = assign_pairs(SEED, drawn, pools, recusals(homes, conflicts), spec=SPEC_V1)
    expected = reference_pairs(SEED, drawn, pools, homes, conflicts)
    assert [a["inspectors"] for a in out] == [expected[d.uscc] for d in drawn]
    assert out[0]["recused"] == [1, 2, 3]  # two conflicts and inspector 2's home township
    assert out[1]["recused"] == []  # 白田镇 is not inspector 2's home, and 9 is another pool's
    assert not {1, 3} & set(out[0]["inspectors"])
    assert 2 not in {
        i for a, d in zip(out, drawn, strict=True) if d.township == "山枣镇" for i in a["inspectors"]
    }
    assert 9 not in {i for a in out[40:] for i in a["inspectors"]}
    assert out[41]["recused"] == [7, 9]


def test_home_township_recusal_can_be_switched_off():
    drawn = [Drawn(d.uscc, d.pool, ["山枣镇", "白田镇"][i % 2]) for i, d in enumerate(drawn_list(30))]
    pools = {"市农业局": [1, 2, 3, 4, 5, 6]}
    off = assign_pairs(SEED, drawn, pools, recusals({1: "山枣镇"}, home=False), spec=SPEC_V1)
    on = assign_pairs(SEED, drawn, pools, recusals({1: "山枣镇"}), spec=SPEC_V1)
    home_checks = lambda out: sum(1 in a["inspectors"] for a in out[::2])  # noqa: E731 (the 山枣镇 ones)
    assert home_checks(off) > 0
    assert home_checks(on) == 0 and sum(1 in a["inspectors"] for a in on) > 0


def test_workload_never_exceeds_the_bound_and_the_bound_binds():
    drawn = drawn_list(60)
    pools = {"市农业局": list(range(1, 11))}
    out = assign_pairs(SEED, drawn, pools, spec=SPEC_V1)
    load = Counter(i for a in out for i in a["inspectors"])
    assert max(load.values()) <= workload_cap(60, 10) == 13
    assert sum(load.values()) == 120 and all(len(set(a["inspectors"])) == 2 for a in out)


def test_no_valid_pair_stops_the_draw_naming_the_enterprise_and_why():
    drawn = drawn_list(3)
    conflicts = [(drawn[1].uscc, 1), (drawn[1].uscc, 2)]
    with pytest.raises(NoValidPair) as info:
        assign_pairs(SEED, drawn, {"市农业局": [1, 2, 3]}, recusals({}, conflicts), spec=SPEC_V1)
    message = str(info.value)
    assert drawn[1].uscc in message and "conflict of interest: [1, 2]" in message
    assert "nothing was recorded" in message


@pytest.mark.parametrize("spec", [SPEC_V1, SPEC_V2, SPEC_V3])
def test_a_pool_without_inspectors_is_named(spec):
    with pytest.raises(NoValidPair, match="pool 市公安局: 0 active inspectors"):
        assign_pairs(SEED, drawn_list(1, pool="市公安局"), {"市农业局": [1, 2]}, spec=spec)


@pytest.mark.parametrize("seed", [f"s{i}" for i in range(12)])
def test_tight_caps_agree_with_the_reference_including_failure(seed):
    # 4 inspectors for 30 checks: the cap (16) binds late in the draw, so the full-sort path runs
    drawn = drawn_list(30)
    pools = {"市农业局": [1, 2, 3, 4]}
    try:
        expected = reference_pairs(seed, drawn, pools)
    except LookupError as exc:
        with pytest.raises(NoValidPair, match=str(exc)):
            assign_pairs(seed, drawn, pools, spec=SPEC_V1)
        return
    assert [a["inspectors"] for a in assign_pairs(seed, drawn, pools, spec=SPEC_V1)] == [
        expected[d.uscc] for d in drawn
    ]


# --- spec v2: the hash-driven shuffle -------------------------------------------------------------


def test_v2_pairs_match_the_independent_implementation_with_recusals():
    drawn, pools, homes, conflicts = two_pools_with_recusals()
    pools["市农业局"].reverse()  # any order in, ascending used
    out = assign_pairs(SEED, drawn, pools, recusals(homes, conflicts), spec=SPEC_V2)
    expected = reference_pairs(SEED, drawn, pools, homes, conflicts, order=ref.order_v2)
    assert [a["inspectors"] for a in out] == [expected[d.uscc] for d in drawn]
    assert_recused_as_passed_over(SEED, out, drawn, pools, homes, conflicts)
    assert not {1, 3} & set(out[0]["inspectors"])
    assert 9 not in {i for a in out[40:] for i in a["inspectors"]}


@pytest.mark.parametrize("seed", [f"s{i}" for i in range(12)])
def test_v2_tight_caps_agree_with_the_reference_including_failure(seed):
    drawn = drawn_list(30)
    pools = {"市农业局": [1, 2, 3, 4]}
    try:
        expected = reference_pairs(seed, drawn, pools, order=ref.order_v2)
    except LookupError as exc:
        with pytest.raises(NoValidPair, match=str(exc)):
            assign_pairs(seed, drawn, pools, spec=SPEC_V2)
        return
    out = assign_pairs(seed, drawn, pools, spec=SPEC_V2)
    assert [a["inspectors"] for a in out] == [expected[d.uscc] for d in drawn]
    load = Counter(i for a in out for i in a["inspectors"])
    assert max(load.values()) <= workload_cap(30, 4)


def many_pools_with_recusals(seed):
    """300 checks over pools of 3 and 5 to 11 inspectors, five townships each some inspector's home
    (and enterprises without one), and conflicts: walks that end within the first hash's four steps,
    and walks that do not (a pool under four, a conflict, home recusals and full loads among the four)."""
    towns = ["山枣镇", "白田镇", "壶天镇", "龙洞镇", "翻江镇"]
    pools = {f"局{n}": list(range(100 * n, 100 * n + n)) for n in (3, *range(5, 12))}
    names = sorted(pools)
    # every eleventh enterprise has no township: inspectors without a home do not recuse from it
    town = [None if i % 11 == 0 else towns[i % 5] for i in range(300)]
    drawn = [Drawn(f"9143{seed}{i:05d}", names[i * 7 % len(names)], town[i]) for i in range(300)]
    homes = {i: towns[i % 5] for ids in pools.values() for i in ids if i % 4 == 1}
    conflicts = [(d.uscc, pools[d.pool][-1]) for d in drawn[::13] if len(pools[d.pool]) > 4]
    return drawn, pools, homes, conflicts


@pytest.mark.parametrize("seed", [f"m{i}" for i in range(8)])
@pytest.mark.parametrize("ahead", [True, False])
def test_v3_walks_match_the_reference_whether_the_first_steps_are_taken_together_or_not(
    seed, ahead, monkeypatch
):
    # with ahead=False every first word counts as thrown away, so every walk is walked whole, step
    # by step: both ways must give the reference's pairs and the recused it passed over
    import traceboard.sampling.assign as assign

    if not ahead:
        monkeypatch.setattr(assign, "rejected", lambda words, m: np.ones(words.shape, dtype=bool))
    drawn, pools, homes, conflicts = many_pools_with_recusals(seed)
    try:
        expected = reference_pairs(seed, drawn, pools, homes, conflicts, order=ref.order_v2)
    except LookupError as exc:
        with pytest.raises(NoValidPair, match=str(exc)):
            assign_pairs(seed, drawn, pools, recusals(homes, conflicts), spec=SPEC_V3)
        return
    out = assign_pairs(seed, drawn, pools, recusals(homes, conflicts), spec=SPEC_V3)
    assert [a["inspectors"] for a in out] == [expected[d.uscc] for d in drawn]
    assert_recused_as_passed_over(seed, out, drawn, pools, homes, conflicts)


def test_first_digests_that_disagree_with_hashlib_are_not_walked_from(monkeypatch):
    # one walk in 97 has its first digest made again by hashlib: batches wrong in every fifth
    # digest make every first digest hashlib's, and the pairs stay the reference's
    import traceboard.sampling.assign as assign

    batched = assign.key_digests

    def wrong(prefix, codes, suffix=b""):
        digests = batched(prefix, codes, suffix).copy()
        digests[::5] ^= np.uint8(1)
        return digests

    monkeypatch.setattr(assign, "key_digests", wrong)
    drawn, pools, homes, conflicts = many_pools_with_recusals("m1")
    expected = reference_pairs("m1", drawn, pools, homes, conflicts, order=ref.order_v2)
    out = assign_pairs("m1", drawn, pools, recusals(homes, conflicts), spec=SPEC_V3)
    assert [a["inspectors"] for a in out] == [expected[d.uscc] for d in drawn]


def test_v2_order_is_the_whole_pool_once():
    pool = list(range(100, 137))
    for code in ("91430381MA4L00011X", "湘乡🎲"):
        order = list(shuffled_order(SEED, code, pool))
        assert sorted(order) == pool and order == ref.order_v2(SEED, code, pool)


def test_v2_every_inspector_comes_first_equally_often():
    # 3 inspectors, 6,000 enterprises: each comes first about 2,000 times (chi-square, 2 d.f.)
    firsts = Counter(next(shuffled_order(SEED, f"code{i}", [1, 2, 3])) for i in range(6000))
    chi2 = sum((c - 2000) ** 2 / 2000 for c in firsts.values())
    assert set(firsts) == {1, 2, 3} and chi2 < 13.8  # p = 0.001


def test_v2_rejects_the_words_of_the_last_partial_run():
    # 2**64 mod 3 == 1: the largest word would favour 0, so it is skipped and the next one used
    assert uniform_below(iter([2**64 - 1, 5]), 3) == 2
    assert uniform_below(iter([2**64 - 2, 5]), 3) == (2**64 - 2) % 3


def test_an_unknown_spec_is_refused():
    with pytest.raises(DrawRefused, match="unknown draw specification 'traceboard-draw/9'"):
        assign_pairs(SEED, drawn_list(2), {"市农业局": [1, 2, 3]}, spec="traceboard-draw/9")


def test_v3_pairs_are_v2_s_and_the_documented_example_holds():
    drawn, pools, homes, conflicts = two_pools_with_recusals()
    v2 = assign_pairs(SEED, drawn, pools, recusals(homes, conflicts), spec=SPEC_V2)
    assert assign_pairs(SEED, drawn, pools, recusals(homes, conflicts), spec=SPEC_V3) == v2
    # docs/draw.md, worked example: the first drawn code and a pool of 11–15 get 15 and 11
    example = [Drawn("91430381MA4L0001X1", "市农业局", "山枣镇")]
    pair = assign_pairs("3-1-4-1-5-9", example, {"市农业局": [11, 12, 13, 14, 15]}, spec=SPEC_V3)
    assert (
        pair[0]["inspectors"] == [15, 11] == ref.order_v2("3-1-4-1-5-9", example[0].uscc, range(11, 16))[:2]
    )
    docs = (Path(__file__).parents[2] / "docs" / "draw.md").read_text(encoding="utf-8")
    assert "0e5edb49c9159ab7 ff9f5ca1f24d3dab" in docs and "the pair is 15 and 11" in docs
    # recused inspectors passed over are skipped and listed
    skipped = assign_pairs(
        "3-1-4-1-5-9", example, {"市农业局": [11, 12, 13, 14, 15]}, recusals({15: "山枣镇"}), spec=SPEC_V3
    )
    assert skipped[0]["inspectors"] == [11, 14] and skipped[0]["recused"] == [15]


def test_the_refusals_are_worded_in_chinese_from_the_catalogs():
    from traceboard.i18n import word

    drawn = drawn_list(3)
    conflicts = [(drawn[1].uscc, 1), (drawn[1].uscc, 2)]
    with pytest.raises(NoValidPair) as info:
        assign_pairs(SEED, drawn, {"市农业局": [1, 2, 3]}, recusals({}, conflicts), spec=SPEC_V1)
    said = word(info.value, "zh")
    assert said.startswith(f"{drawn[1].uscc} 找不到符合条件的两名检查人员（市农业局：在岗检查人员 3 名；")
    assert "因利益冲突回避：检查人员编号 1、2；" in said and said.endswith("——抽取已停止，未记录任何内容")
    with pytest.raises(DrawRefused) as info:
        assign_pairs(SEED, drawn_list(2), {"市农业局": [1, 2, 3]}, spec="traceboard-draw/9")
    assert word(info.value, "zh").startswith("未知的抽取规范“traceboard-draw/9”；已知：traceboard-draw/1、")
