"""Small statistics shared by the metrics: proportions and their intervals."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054


def wilson_interval(successes, trials, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (element-wise).

    Input: counts ``successes`` ≤ ``trials`` (scalars or arrays). Output:
    ``(low, high)`` arrays; NaN where ``trials`` is 0. Source: E. B. Wilson,
    "Probable inference, the law of succession, and statistical inference",
    JASA 22 (1927) — e.g. 30 of 100 gives 0.2189 to 0.3958.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high
