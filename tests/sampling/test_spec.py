import hashlib
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.sampling import reference_spec as ref
from traceboard.sampling.spec import (
    SPEC,
    SPEC_V1,
    SPEC_V3,
    DrawRefused,
    candidates_sha256,
    check_seed,
    compute_k,
    draw_key,
    draw_strata,
    draw_stratum,
    list_sha256,
    make_stratum,
    partial_shuffle,
    shuffle_positions,
)


def codes(n, seed=1):
    rng = random.Random(seed)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return sorted({"91430381" + "".join(rng.choice(alphabet) for _ in range(10)) for _ in range(n)})


def test_key_is_sha256_of_the_utf8_string():
    expected = hashlib.sha256("湘乡🎲|食用农产品|91430381MA4L41YT1U".encode()).hexdigest()
    assert draw_key("湘乡🎲", "食用农产品", "91430381MA4L41YT1U") == expected


@pytest.mark.parametrize(
    ("ratio", "n", "k"),
    [
        (0.1, 30, 3),  # binary floating point would give ceil(3.0000000000000004) = 4
        (0.03, 100, 3),
        (0.03, 101, 4),
        (0.05, 1, 1),
        (0, 10, 0),
        (1, 7, 7),
        ("0.8", 5, 4),
        (0.3, 0, 0),
    ],
)
def test_k_is_the_exact_ceiling(ratio, n, k):
    assert compute_k(ratio, n) == k == ref.k_of(str(ratio), n)


@pytest.mark.parametrize("ratio", [-0.01, 1.01, 2, float("nan"), "x"])
def test_ratio_outside_unit_interval_is_refused(ratio):
    with pytest.raises(DrawRefused, match="ratio"):
        compute_k(ratio, 10)


@pytest.mark.parametrize(("n", "k"), [(1, 1), (50, 0), (50, 1), (50, 7), (500, 40), (200, 200), (200, 250)])
def test_draw_matches_the_independent_implementation(n, k):
    pool = codes(n, seed=n + k)
    seed = "骰子 3-1-4-1-5 🎲"
    assert draw_stratum(seed, "药品", pool, k) == ref.draw(seed, "药品", pool, k)


@pytest.mark.parametrize(("n", "k"), [(300, 30), (300, 300), (40, 39)])
def test_draw_with_tied_key_prefixes_is_ordered_by_the_whole_key(monkeypatch, n, k):
    # prefixes cut to their top 3 bits: nearly every key ties with another on its prefix, at the
    # bound and among those drawn, so the order has to come from the whole key
    from traceboard.sampling import spec

    prefixes = spec._prefixes
    monkeypatch.setattr(spec, "_prefixes", lambda digests: prefixes(digests) >> np.uint64(61))
    pool = codes(n, seed=k)
    assert draw_stratum("骰子 🎲", "药品", pool, k) == ref.draw("骰子 🎲", "药品", pool, k)


@pytest.mark.parametrize("suffix", [b"", b"|0"])
@pytest.mark.parametrize("prefix", [b"", "骰子 🎲|药品|".encode(), b"s" * 55, b"s" * 64, b"s" * 119])
def test_key_digests_are_hashlib_s(prefix, suffix):
    # every code length across SHA-256's block bounds, more codes than one batch holds (the last
    # batch partial), and a code list that is not all ASCII (hashed one hashlib call at a time)
    from traceboard.sampling import spec

    ascii_codes = ["".join(random.Random(n).choice("0123456789ABCXY") for _ in range(n)) for n in range(140)]
    ascii_codes += codes(spec._LANES + 7)
    for batch in (ascii_codes, [*ascii_codes[:50], "湘乡🎲", "é", ""], []):
        want = [hashlib.sha256(prefix + c.encode() + suffix).digest() for c in batch]
        got = spec.key_digests(prefix, batch, suffix)
        assert got.shape == (len(batch), 32)
        assert [bytes(row) for row in got] == want


def test_a_batch_that_disagrees_with_hashlib_is_not_drawn_from(monkeypatch):
    # the drawn keys are hashed again by hashlib: a wrong batch digest makes the whole draw redone
    from traceboard.sampling import spec

    batched = spec.key_digests

    def wrong(prefix, codes):
        digests = batched(prefix, codes).copy()
        digests[::3, 0] = 0  # a third of the keys too small
        return digests

    monkeypatch.setattr(spec, "key_digests", wrong)
    pool = codes(500, seed=3)
    assert draw_stratum("骰子 🎲", "药品", pool, 40) == ref.draw("骰子 🎲", "药品", pool, 40)


def test_a_code_that_is_not_utf8_text_is_refused_cleanly():
    with pytest.raises(UnicodeEncodeError):
        draw_stratum("7", "D", ["91430381MA4L41YT1U", "9143\ud800"], 1)


def test_draw_order_is_the_key_order():
    pool = codes(300)
    drawn = draw_stratum("7", "D", pool, 30)
    keys = [draw_key("7", "D", c) for c in drawn]
    assert keys == sorted(keys)
    assert max(keys) < min(draw_key("7", "D", c) for c in set(pool) - set(drawn))


def test_stratum_label_and_seed_change_the_draw():
    pool = codes(300)
    assert draw_stratum("1", "A", pool, 10) != draw_stratum("1", "B", pool, 10)
    assert draw_stratum("1", "A", pool, 10) != draw_stratum("2", "A", pool, 10)


def test_candidates_hash_is_over_sorted_codes_joined_by_newline():
    assert candidates_sha256(["B2", "A1", "C3"]) == hashlib.sha256(b"A1\nB2\nC3").hexdigest()
    stratum = make_stratum("食品", 0.1, ["B2", "A1", "C3"])
    assert stratum.candidates == ("A1", "B2", "C3") and stratum.k == 1
    line_hash = list_sha256([("食品", stratum.sha256)])
    assert line_hash == hashlib.sha256(f"食品\t{stratum.sha256}".encode()).hexdigest()


def test_duplicate_candidate_is_refused():
    with pytest.raises(DrawRefused, match="A1 appears twice in stratum 食品"):
        make_stratum("食品", 0.5, ["A1", "B2", "A1"])


def test_seed_must_match_its_commitment():
    check_seed("31415926", hashlib.sha256(b"31415926").hexdigest().upper())
    with pytest.raises(DrawRefused, match="does not match its commitment"):
        check_seed("31415927", hashlib.sha256(b"31415926").hexdigest())


def test_empty_seed_is_refused():
    with pytest.raises(DrawRefused, match="seed is empty"):
        draw_strata("", [make_stratum("A", 0.5, ["X"])], SPEC_V1)
    with pytest.raises(DrawRefused, match="seed is empty"):
        draw_strata("", [make_stratum("A", 0.5, ["X"])], SPEC_V3)


# --- spec v3: a partial shuffle of the published (sorted) list -------------------------------------

# The worked example of docs/draw.md and the README, step by step.
EXAMPLE_SEED = "3-1-4-1-5-9"
EXAMPLE_CODES = [f"91430381MA4L000{i}X{i}" for i in range(1, 7)]
EXAMPLE_WORDS = ["3fe163bf8134b33a", "29c22b13c0d16893", "52de2a6229b0761b"]
EXAMPLE_DRAWN = ["91430381MA4L0001X1", "91430381MA4L0006X6", "91430381MA4L0002X2"]


def test_v3_is_the_default_for_new_draws():
    assert SPEC == SPEC_V3 == "traceboard-draw/3"


def test_v3_worked_example_as_documented():
    stratum = make_stratum("食品", 0.5, EXAMPLE_CODES)
    digest = hashlib.sha256(f"{EXAMPLE_SEED}|enterprise-order|食品|0".encode()).hexdigest()
    assert [digest[i : i + 16] for i in (0, 16, 32)] == EXAMPLE_WORDS
    # 0x3fe1… mod 6 = 0, 0x29c2… mod 5 = 4, 0x52de… mod 4 = 3: swap 0↔0, 1↔5, 2↔5
    assert [int(w, 16) % m for w, m in zip(EXAMPLE_WORDS, (6, 5, 4), strict=True)] == [0, 4, 3]
    assert draw_strata(EXAMPLE_SEED, [stratum], SPEC_V3) == [EXAMPLE_DRAWN]
    docs = (Path(__file__).parents[2] / "docs" / "draw.md").read_text(encoding="utf-8")
    for text in [EXAMPLE_SEED, *EXAMPLE_WORDS, *EXAMPLE_DRAWN]:
        assert text in docs


@pytest.mark.parametrize(("n", "k"), [(1, 1), (50, 0), (50, 1), (50, 7), (500, 40), (200, 200), (200, 250)])
def test_v3_draw_matches_the_independent_implementation(n, k):
    pool = codes(n, seed=n + k)
    seed = "骰子 3-1-4-1-5 🎲"
    stratum = make_stratum("药品", 1, pool)
    drawn = [pool[i] for i in shuffle_positions(seed, "药品", len(pool), k)]
    assert drawn == ref.draw_v3(seed, "药品", pool, k)
    assert len(drawn) == min(k, n) == len(set(drawn)) and set(drawn) <= set(stratum.candidates)


def test_v3_stratum_label_and_seed_change_the_draw():
    assert shuffle_positions("1", "A", 300, 10) != shuffle_positions("1", "B", 300, 10)
    assert shuffle_positions("1", "A", 300, 10) != shuffle_positions("2", "A", 300, 10)
    # a longer draw extends a shorter one: the first places do not depend on k
    assert shuffle_positions("1", "A", 300, 25)[:10] == shuffle_positions("1", "A", 300, 10)


def test_v3_every_candidate_is_drawn_equally_often_in_every_place():
    # 5 candidates, 2 drawn, 5,000 seeds: each is drawn ~2,000 times, first ~1,000 (chi-square, 4 d.f.)
    draws = [shuffle_positions(f"seed {s}", "A", 5, 2) for s in range(5000)]
    drawn = Counter(i for d in draws for i in d)
    first = Counter(d[0] for d in draws)
    assert set(drawn) == set(first) == set(range(5))
    assert sum((c - 2000) ** 2 / 2000 for c in drawn.values()) < 18.5  # p = 0.001
    assert sum((c - 1000) ** 2 / 1000 for c in first.values()) < 18.5


def test_v3_rejects_the_words_of_the_last_partial_run():
    # 2**64 mod 3 == 1: the largest word would favour position 0, so it is skipped and the next used
    assert partial_shuffle(iter([2**64 - 1, 5, 0]), 3, 2) == [2, 1]
    # (2**64 - 2) mod 3 = 2: positions 0 and 2 swap; then 1 + (1 mod 2) = 2 holds what was at 0
    assert partial_shuffle(iter([2**64 - 2, 1]), 3, 2) == [2, 0]
    assert partial_shuffle(iter([]), 3, 0) == []
