"""The statistics behind the report: a share with its Wilson interval, and the binomial test.

Each :class:`Rate` carries its count, denominator and a Wilson 95% interval (which, unlike the
normal approximation, stays inside [0, 1] and behaves for small groups and rates near 0 or 1).
The missing count of every group is tested against the baseline with an exact two-sided
binomial test (:func:`scipy.stats.binomtest`: exact for any group size, no normal
approximation); a group is judged worse or better than the baseline where that test rejects
at :data:`ALPHA`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

__all__ = [
    "ALPHA",
    "BETTER",
    "NO_DIFFERENCE",
    "TOO_SMALL",
    "WORSE",
    "Rate",
    "binomial_p_value",
    "wilson_interval",
]

ALPHA = 0.05
"""Significance level of the binomial test behind a group's judgement."""

_Z95 = NormalDist().inv_cdf(0.975)

# Judgements, from the binomial test of the missing rate against the baseline.
TOO_SMALL = "too few calls to judge"
WORSE = "worse than baseline"
BETTER = "better than baseline"
NO_DIFFERENCE = "no clear difference"


def wilson_interval(count: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval for ``count`` successes in ``n`` trials (95% by default).

    Written out rather than taken from scipy
    (``binomtest(count, n).proportion_ci(method="wilson")``): both compute the same formula,
    but scipy rounds differently in the last bits (on a grid of ``1 <= n <= 400``, 54% of the
    intervals differ, by at most 3.3e-16), which would change the intervals the JSON report
    writes; it also returns numpy floats. The ends here are exact (0 and 1) when ``count``
    is 0 or ``n``.

    Raises
    ------
    ValueError
        If ``n`` is not positive or ``count`` is outside ``0..n``.
    """
    if n <= 0 or not 0 <= count <= n:
        raise ValueError(f"need 0 <= count <= n and n > 0, got count={count}, n={n}")
    p = count / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if count == 0 else max(0.0, centre - half)  # exact ends, no rounding residue
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high


def binomial_p_value(count: int, n: int, p: float) -> float:
    """Exact two-sided binomial test of ``count`` in ``n`` against probability ``p``.

    Uses :func:`scipy.stats.binomtest`: the p-value sums the probabilities of every outcome
    no more likely than the one observed.
    """
    from scipy.stats import binomtest  # heavy: imported only when a report is made

    return float(binomtest(count, n, p, alternative="two-sided").pvalue)


@dataclass(frozen=True)
class Rate:
    """A share: ``count`` of ``denominator``, with its Wilson 95% interval.

    ``value``, ``low`` and ``high`` are ``None`` when the denominator is 0 (no calls to
    compute a share of).
    """

    count: int
    denominator: int
    value: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, count: int, denominator: int) -> Rate:
        if denominator == 0:
            return cls(count, 0, None, None, None)
        low, high = wilson_interval(count, denominator)
        return cls(count, denominator, count / denominator, low, high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "denominator": self.denominator,
            "value": self.value,
            "low": self.low,
            "high": self.high,
        }
