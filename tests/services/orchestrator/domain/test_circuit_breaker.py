"""The circuit breaker's states, on a clock the test moves: no sleeps."""

from copilot_orchestrator.domain.circuit_breaker import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def _breaker(failures: int = 3, cooldown_s: float = 10.0) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    return CircuitBreaker(failures, cooldown_s, clock), clock


def _open(breaker: CircuitBreaker) -> None:
    for _ in range(breaker.failures_to_open):
        assert breaker.acquire()
        breaker.failed()
    assert breaker.state is CircuitState.OPEN


def test_it_opens_after_the_set_number_of_failures_in_a_row() -> None:
    breaker, _ = _breaker(failures=3)
    for _ in range(2):
        assert breaker.acquire()
        breaker.failed()
    assert breaker.acquire(), "still closed"
    breaker.failed()
    assert breaker.state is CircuitState.OPEN
    assert not breaker.acquire()


def test_a_success_starts_the_count_again() -> None:
    breaker, _ = _breaker(failures=3)
    breaker.failed()
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    breaker.failed()
    assert breaker.state is CircuitState.CLOSED and breaker.acquire()


def test_an_open_circuit_refuses_until_the_cool_down_ends() -> None:
    breaker, clock = _breaker(cooldown_s=10)
    _open(breaker)
    clock.now += 9.5
    assert not breaker.acquire()
    assert breaker.retry_in_s() == 0.5
    clock.now += 0.5
    assert breaker.state is CircuitState.HALF_OPEN and breaker.retry_in_s() == 0


def test_half_open_lets_one_probe_through_at_a_time() -> None:
    breaker, clock = _breaker()
    _open(breaker)
    clock.now += 10
    assert breaker.acquire(), "the probe"
    assert not breaker.acquire(), "no second call while the probe runs"
    assert breaker.state is CircuitState.HALF_OPEN


def test_a_successful_probe_closes_it() -> None:
    breaker, clock = _breaker()
    _open(breaker)
    clock.now += 10
    assert breaker.acquire()
    breaker.succeeded()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.acquire() and breaker.acquire()
    breaker.failed()
    assert breaker.state is CircuitState.CLOSED, "the count started again"


def test_a_failed_probe_opens_it_for_a_whole_cool_down() -> None:
    breaker, clock = _breaker(cooldown_s=10)
    _open(breaker)
    clock.now += 25
    assert breaker.acquire()
    breaker.failed()
    assert breaker.state is CircuitState.OPEN
    clock.now += 9.9
    assert not breaker.acquire()
    clock.now += 0.1
    assert breaker.acquire()


def test_a_probe_that_ends_without_a_verdict_lets_another_go() -> None:
    breaker, clock = _breaker()
    _open(breaker)
    clock.now += 10
    assert breaker.acquire()
    breaker.released()  # cancelled, say
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.acquire()
