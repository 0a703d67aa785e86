"""Share of enterprises with problems, estimated from the random checks (issue 6, part 9).

Horvitz–Thompson under stratified simple random sampling without replacement
(the spec-v1 draw is one: the k smallest of N uniform keys). For a domain d
(e.g. a sector) that cuts across strata h, with z_i = y_i · [i ∈ d]:

    Ŷ_d = Σ_h (N_h / n_h) Σ_{i ∈ s_h} z_i                 (π_i = n_h / N_h)
    V̂(Ŷ_d) = Σ_h N_h² (1 − n_h / N_h) s²_{z,h} / n_h      (s² over the n_h checks of h)
    p̂_d = Ŷ_d / N_d,  95 % interval p̂_d ± 1.96 √V̂ / N_d, clipped to [0, 1]

N_h and N_d come from the frozen candidate list. n_h counts the checks with a
recorded result (checks still without one are treated as missing at random
within their stratum). A stratum with one check and N_h > 1 has no variance
estimate: the interval is then NaN rather than falsely narrow.
Source: Särndal, Swensson & Wretman, *Model Assisted Survey Sampling* (1992), §3.7, §10.3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.metrics.stats import Z95


def estimate_shares(population: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Per domain: ``domain, N, checked, problems, share, ci_low, ci_high``.

    Input: ``population`` with ``stratum``, ``domain`` (one row per candidate);
    ``sample`` with ``stratum``, ``domain``, ``problem`` (bool; one row per check
    with a result). Output: one row per domain of the population, in first-seen order.
    """
    n_h = population.groupby("stratum", sort=False).size().rename("N_h")
    checks = sample.groupby("stratum", sort=False).size().rename("n_h")
    rows = []
    for domain, members in population.groupby("domain", sort=False, observed=True):
        z = sample.assign(z=(sample["domain"] == domain) & sample["problem"].astype(bool))
        total, variance = 0.0, 0.0
        for stratum, group in z.groupby("stratum", sort=False):
            big_n, n = float(n_h[stratum]), float(checks[stratum])
            values = group["z"].to_numpy(dtype=float)
            total += big_n / n * values.sum()
            if n < big_n:
                s2 = values.var(ddof=1) if n > 1 else np.nan
                variance += big_n**2 * (1 - n / big_n) * s2 / n
        in_domain = sample["domain"] == domain
        rows.append(_row(domain, len(members), int(in_domain.sum()), int(z["z"].sum()), total, variance))
    return pd.DataFrame(rows, columns=["domain", "N", "checked", "problems", "share", "ci_low", "ci_high"])


def _row(domain, big_n: int, checked: int, problems: int, total: float, variance: float) -> tuple:
    if checked == 0:  # nothing checked in the domain: no estimate, rather than a confident 0
        return (domain, big_n, 0, 0, np.nan, np.nan, np.nan)
    share = total / big_n
    half = Z95 * np.sqrt(variance) / big_n
    low, high = np.clip([share - half, share + half], 0.0, 1.0)  # NaN stays NaN
    return (domain, big_n, checked, problems, share, float(low), float(high))
