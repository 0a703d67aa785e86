import itertools

import numpy as np
import pytest

from traceboard.data.uscc import (
    ALPHABET,
    check_code,
    code_keys,
    code_ranks,
    generate_codes,
    normalize_code,
    uscc_check_char,
)

# Codes printed on real business licences.
REAL_CODES = ["91430111MA4L41YT1U", "9135021359498494XQ"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert check_code(code).valid, check_code(code).reason


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (" 91430111ma4l41yt1u ", "91430111MA4L41YT1U"),
        ("９１４３０１１１ＭＡ４Ｌ４１ＹＴ１Ｕ", "91430111MA4L41YT1U"),
        ("\u300091430111MA4L41YT1U\t", "91430111MA4L41YT1U"),
        (None, ""),
    ],
)
def test_normalisation(raw, normalised):
    assert normalize_code(raw) == normalised


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("914301118MA4L41", "18 characters expected, got 15"),
        ("", "18 characters expected, got 0"),
        ("91430I11MA4L41YT1U", "illegal character 'I' at position 6"),
        ("91430111MA4L41YT1O", "illegal character 'O' at position 18"),
        ("9143 111MA4L41YT1U", "illegal character ' ' at position 5"),
        ("9143A111MA4L41YT1U", "positions 3-8 (region code) must be digits, got 'A' at position 5"),
        ("91430111MA4L41YT1X", "check character should be 'U'"),
        ("91430111MA4L41YT2U", "organization code check character (position 17) should be '1'"),
        ("9135021359498494X0", "check character should be 'Q'"),
    ],
)
def test_corrupted_codes_name_the_reason(code, reason):
    result = check_code(code)
    assert not result.valid
    assert result.reason == reason
    assert result.describe() == f"invalid: {reason}"


def test_every_single_character_change_is_caught():
    # GB 32100's mod-31 check catches every substitution of one character.
    code = REAL_CODES[0]
    for pos in range(18):
        for char in ALPHABET:
            if char != code[pos]:
                changed = code[:pos] + char + code[pos + 1 :]
                assert not check_code(changed).valid, changed


def test_check_char_by_hand():
    # Σ value·weight over the first 17 characters of 9135021359498494X(Q), done by hand:
    values = [9, 1, 3, 5, 0, 2, 1, 3, 5, 9, 4, 9, 8, 4, 9, 4, 29]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert ALPHABET[(31 - total % 31) % 31] == "Q" == uscc_check_char("9135021359498494X")


def test_allowlist_accepts_only_listed_legacy_codes():
    legacy = "91430111MA4L41YT1X"
    assert check_code(legacy, allowlist={legacy}).valid
    assert check_code(legacy, allowlist={legacy}).legacy
    assert not check_code("91430111MA4L41YT2U", allowlist={legacy}).valid
    # the allow-list does not excuse a malformed code
    assert not check_code("91430I11MA4L41YT1U", allowlist={"91430I11MA4L41YT1U"}).valid


def test_generated_codes_are_valid_distinct_and_keep_their_prefix():
    rng = np.random.default_rng(3)
    kinds = rng.choice(np.array(["91", "92", "93"]), size=5000)
    codes = generate_codes(rng, 5000, "430381", kinds)
    assert len(set(codes)) == 5000
    assert all(c[:2] == k and c[2:8] == "430381" for c, k in zip(codes, kinds, strict=True))
    assert all(check_code(c).valid for c in codes)


@pytest.mark.parametrize(
    "codes",
    [
        ["91430381MA4L0002X2", "91430381MA4L0001X1", "91430381000000000A", "11430381MA4L0001X1"],
        ["B", "A", "AB", "AA", "A"],  # widths differ: the unicode fallback
        ["湘乙", "湘甲", "A1", "Z"],  # not ASCII
        ["AB\nC", "ABCD"],  # a line break inside a code: lengths add up, the count of breaks does not
        ["ABCD", "AB", "ABCDEF"],  # widths differ but add up to 3 x 4
        ["X"],
    ],
)
def test_code_keys_order_and_compare_exactly_as_python_strings(codes):
    keys = code_keys(codes)
    assert [codes[i] for i in np.argsort(keys, kind="stable")] == sorted(codes)
    assert (keys[1:] == keys[:-1]).tolist() == [a == b for a, b in itertools.pairwise(codes)]


def test_code_ranks_place_codes_in_string_order_and_equal_codes_together():
    codes = ["91430381MA4L0002X2", "91430381MA4L0001X1", "91430381MA4L0002X2", "11430381MA4L0001X1"]
    assert code_ranks(codes).tolist() == [2, 1, 2, 0]
    assert code_ranks(["b", "a", "ab"]).tolist() == [2, 0, 1]
