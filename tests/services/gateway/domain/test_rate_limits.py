from collections import Counter as Tally

import pytest
from copilot_gateway.domain.rate_limits import (
    CounterContended,
    RateCheck,
    RateLimited,
    RateLimiter,
    RateRule,
)

pytestmark = pytest.mark.security


class MemoryCounter:
    def __init__(self) -> None:
        self.counts: Tally[str] = Tally()

    async def increment(self, key: str) -> int:
        self.counts[key] += 1
        return self.counts[key]


class BrokenCounter:
    async def increment(self, key: str) -> int:
        raise ConnectionError("bus down")


@pytest.mark.parametrize(
    ("text", "rule"),
    [("100/15m", RateRule(100, 900)), ("5/30", RateRule(5, 30)), ("1000/1h", RateRule(1000, 3600))],
)
def test_rules_read_as_count_per_window(text: str, rule: RateRule) -> None:
    assert RateRule.parse(text) == rule


@pytest.mark.parametrize("text", ["100", "0/15m", "ten/15m", "100/15d", "100/0s"])
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"rate limit|at least 1"):
        RateRule.parse(text)


async def test_the_request_over_the_limit_is_refused_until_the_window_ends() -> None:
    now = 900.0 * 1000 + 100  # 100 s into a 900 s window
    limiter = RateLimiter(MemoryCounter(), clock=lambda: now)
    rule = RateRule(3, 900)
    for _ in range(3):
        await limiter.check([RateCheck("chat_session", rule, "s1")])
    with pytest.raises(RateLimited) as refused:
        await limiter.check([RateCheck("chat_session", rule, "s1")])
    assert refused.value.scope == "chat_session"
    assert refused.value.retry_after_s == 800
    await limiter.check([RateCheck("chat_session", rule, "s2")])  # another session is free


async def test_a_new_window_starts_the_count_again() -> None:
    clock = [0.0]
    limiter = RateLimiter(MemoryCounter(), clock=lambda: clock[0])
    rule = RateRule(1, 60)
    await limiter.check([RateCheck("api", rule, "s1")])
    with pytest.raises(RateLimited):
        await limiter.check([RateCheck("api", rule, "s1")])
    clock[0] = 60.0
    await limiter.check([RateCheck("api", rule, "s1")])


async def test_a_request_refused_by_a_narrow_limit_does_not_count_against_wider_ones() -> None:
    counter = MemoryCounter()
    limiter = RateLimiter(counter, clock=lambda: 10.0)
    site = RateCheck("chat_site", RateRule(5, 60), "site-a")

    def checks(session: str) -> list[RateCheck]:
        return [RateCheck("chat_session", RateRule(1, 60), session), site]

    await limiter.check(checks("flooder"))
    for _ in range(20):  # one client's flood, refused by its own limit
        with pytest.raises(RateLimited) as refused:
            await limiter.check(checks("flooder"))
        assert (refused.value.scope, refused.value.retry_after_s) == ("chat_session", 50)
    await limiter.check(checks("visitor"))  # the site's allowance is intact
    assert sum(v for k, v in counter.counts.items() if k.startswith("chat_site")) == 2


class ContendedCounter:
    async def increment(self, key: str) -> int:
        raise CounterContended(key)


async def test_a_counter_too_contended_to_count_refuses_the_request() -> None:
    with pytest.raises(RateLimited):
        await RateLimiter(ContendedCounter()).check([RateCheck("chat", RateRule(9, 60), "x")])


async def test_unreachable_counters_let_requests_through() -> None:
    await RateLimiter(BrokenCounter()).check([RateCheck("chat", RateRule(1, 60), "x")])
