import numpy as np
import pytest

from traceboard.metrics.stats import wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (30, 100, 0.2189, 0.3958),  # the textbook example
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_against_published_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert round(float(lo), 4) == low and round(float(hi), 4) == high


def test_wilson_is_nan_for_empty_groups_and_vectorised():
    lo, hi = wilson_interval(np.array([0, 5]), np.array([0, 10]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert lo[1] < 0.5 < hi[1]
