import hashlib
import random

import pytest

from tests.sampling import reference_spec as ref
from traceboard.sampling.spec import (
    DrawRefused,
    candidates_sha256,
    check_seed,
    compute_k,
    draw_key,
    draw_strata,
    draw_stratum,
    list_sha256,
    make_stratum,
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
        draw_strata("", [make_stratum("A", 0.5, ["X"])])
