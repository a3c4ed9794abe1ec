"""A circuit breaker: after a run of failures it stops calls for a cool-down, then lets one
probe through and closes again only when the probe succeeds."""

import time
from collections.abc import Callable
from enum import IntEnum


class CircuitState(IntEnum):
    """Numbered as the `llm_circuit_state` metric shows them."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        failures_to_open: int,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures_to_open = failures_to_open
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> CircuitState:
        """Half-open once the cool-down is over, whether or not a probe has gone yet."""
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._probing or self._clock() - self._opened_at >= self.cooldown_s:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def retry_in_s(self) -> float:
        """How long until a call may go through again (0 when one may now)."""
        if self._opened_at is None or self._probing:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown_s - self._clock())

    def acquire(self) -> bool:
        """May a call go now? In half-open state only one (the probe) at a time."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failed(self) -> None:
        if self._opened_at is not None:  # the probe failed: another full cool-down
            self._opened_at = self._clock()
            self._probing = False
            return
        self._failures += 1
        if self._failures >= self.failures_to_open:
            self._opened_at = self._clock()

    def released(self) -> None:
        """A call ended without saying anything of the provider's health (it was
        cancelled, or the provider refused that one request): a probe may go again."""
        self._probing = False
