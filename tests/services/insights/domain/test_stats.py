import pytest
from copilot_insights.domain.stats import Proportion, difference, percentile


def test_percentiles_interpolate_between_values() -> None:
    values = [600.0, 700.0, 800.0, 900.0, 1000.0, 1200.0]
    assert percentile(values, 0.5) == pytest.approx(850)
    assert percentile(values, 0.95) == pytest.approx(1150)
    assert percentile([], 0.5) is None


def test_wilson_interval_matches_the_textbook_value() -> None:
    low, high = Proportion(5, 10).interval() or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert Proportion(0, 0).rate is None and Proportion(0, 0).interval() is None


def test_a_clear_difference_on_enough_conversations_is_decided() -> None:
    clear = difference(Proportion(10, 100), Proportion(30, 100), min_sample=30)
    assert clear is not None and clear.decided
    assert clear.delta == pytest.approx(0.2) and 0 < clear.low < 0.2 < clear.high


def test_a_small_sample_is_never_decided() -> None:
    small = difference(Proportion(1, 5), Proportion(5, 5), min_sample=30)
    assert small is not None and not small.decided
    assert difference(Proportion(0, 0), Proportion(1, 2), min_sample=30) is None
