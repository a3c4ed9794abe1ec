"""The statistics the report needs: percentiles, and proportions with confidence intervals
(Wilson's interval for one, Newcombe's for the difference of two)."""

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


def percentile(values: list[float], share: float) -> float | None:
    """The value below which `share` (0 to 1) of the values lie, interpolated; None if none."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Proportion:
    hits: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    def interval(self, z: float = Z95) -> tuple[float, float] | None:
        """Wilson's score interval: sound for small samples and rates near 0 or 1."""
        if not self.total:
            return None
        n, p = self.total, self.hits / self.total
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - spread, centre + spread


@dataclass(frozen=True)
class Difference:
    """B's rate minus A's, with its 95 % interval; `decided` when the interval excludes 0
    and both samples reach the minimum size."""

    delta: float
    low: float
    high: float
    decided: bool


def difference(a: Proportion, b: Proportion, min_sample: int) -> Difference | None:
    """Newcombe's hybrid score interval for the difference of two proportions."""
    if a.rate is None or b.rate is None:
        return None
    a_low, a_high = a.interval() or (0.0, 0.0)
    b_low, b_high = b.interval() or (0.0, 0.0)
    delta = b.rate - a.rate
    low = delta - math.sqrt((b.rate - b_low) ** 2 + (a_high - a.rate) ** 2)
    high = delta + math.sqrt((b_high - b.rate) ** 2 + (a.rate - a_low) ** 2)
    big_enough = min(a.total, b.total) >= min_sample
    return Difference(delta, low, high, decided=big_enough and (low > 0 or high < 0))
