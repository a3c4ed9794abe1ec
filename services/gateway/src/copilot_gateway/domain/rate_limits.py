"""Rate limits as fixed windows: at most `limit` requests per `window_s` for each key."""

import hashlib
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


_RULE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smh]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class RateRule:
    limit: int
    window_s: int

    @classmethod
    def parse(cls, text: str) -> "RateRule":
        """'100/15m' is 100 requests per 15 minutes; units s, m or h (seconds by default)."""
        match = _RULE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a rate limit like '100/15m'")
        limit, amount, unit = int(match[1]), int(match[2]), match[3]
        window_s = amount * _UNIT_S[unit]
        if limit < 1 or window_s < 1:
            raise ValueError(f"{text!r}: the limit and the window must be at least 1")
        return cls(limit, window_s)

    def window(self, now: float) -> int:
        """The number of the window `now` falls in (the same on every replica)."""
        return int(now // self.window_s)

    def retry_after(self, now: float) -> int:
        """Whole seconds until the current window ends."""
        return max(1, math.ceil((self.window(now) + 1) * self.window_s - now))

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_s}s"


class RateLimited(Exception):
    def __init__(self, scope: str, retry_after_s: int) -> None:
        super().__init__(f"rate limit {scope} reached")
        self.scope = scope
        self.retry_after_s = retry_after_s


def counter_key(check: "RateCheck", now: float) -> str:
    # Hashed: keys hold no IP address or session id, and always fit the key alphabet.
    digest = hashlib.sha256(check.identity.encode()).hexdigest()[:32]
    return f"{check.scope}.{digest}.{check.rule.window_s}.{check.rule.window(now)}"


@dataclass(frozen=True)
class RateCheck:
    scope: str
    """What is limited and by what, e.g. "chat_ip"; low-cardinality (logs, metrics)."""
    rule: RateRule
    identity: str


class Counter(Protocol):
    async def increment(self, key: str) -> int:
        """Count one more request under `key`; the count including it."""
        ...


class CounterContended(Exception):
    """Too many requests counted on one key at once to count this one."""


class RateLimiter:
    """Counts a request against its checks, narrowest first, and refuses it at the first
    one over its limit: the wider ones (IP, site key) do not count it then, so one client
    refused for its own flood cannot use up a whole site's allowance.

    When the counters cannot be reached the request is let through (and logged): the
    limits protect the service, they must not take it down. A counter so contended that
    it cannot count the request is a flood: the request is refused."""

    def __init__(self, counter: Counter, clock: Callable[[], float] = time.time) -> None:
        self._counter = counter
        self._clock = clock

    async def check(self, checks: Sequence[RateCheck]) -> None:
        now = self._clock()
        for check in checks:
            try:
                count = await self._counter.increment(counter_key(check, now))
            except CounterContended:
                raise RateLimited(check.scope, 1) from None
            except Exception as exc:
                log.warning("rate limits not checked: %s", type(exc).__name__)
                return
            if count > check.rule.limit:
                raise RateLimited(check.scope, check.rule.retry_after(now))
