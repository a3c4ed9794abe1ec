"""A model call that is tried again where that is safe, behind a circuit breaker that stops
calling a provider which keeps failing."""

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable

from copilot_contracts.tool_catalog import ToolSpec
from prometheus_client import Counter, Gauge

from copilot_orchestrator.domain.circuit_breaker import CircuitBreaker, CircuitState
from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import (
    ChatModel,
    ModelResponse,
    ModelUnavailableError,
    TextSink,
)

log = logging.getLogger(__name__)

CIRCUIT_STATE = Gauge(
    "llm_circuit_state", "The language model's circuit breaker: 0 closed, 1 half-open, 2 open."
)
REJECTIONS = Counter(
    "llm_breaker_rejections", "Model calls refused without trying, the circuit being open."
)
RETRIES = Counter("llm_retries", "Model calls tried again, by why the try failed.", ["reason"])
RESTING = (
    "The language model is not answering at the moment, so we are giving it a short rest. "
    "Please try again in a minute."
)
BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0


class ResilientModel:
    """A transient failure is tried again, up to `max_retries` times, when no text of the
    call has reached the visitor yet and the wait (the provider's Retry-After, else an
    exponential backoff) ends before the turn's deadline. Every transient failure counts
    toward opening the breaker; while it is open, calls fail at once with a clear message."""

    def __init__(
        self,
        model: ChatModel,
        breaker: CircuitBreaker,
        max_retries: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock` is the one turn deadlines are on; `sleep` waits between tries."""
        self.model = model
        self.name = model.name
        self.breaker = breaker
        self.max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        CIRCUIT_STATE.set_function(lambda: float(breaker.state))

    async def respond(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        streamed = False

        async def tracked(text: str) -> None:
            nonlocal streamed
            streamed = streamed or bool(text)
            await on_text(text)

        failures = 0
        while True:
            if not self.breaker.acquire():
                REJECTIONS.inc()
                raise ModelUnavailableError(RESTING, "circuit_open")
            try:
                response = await self.model.respond(state, tools, tracked)
            except ModelUnavailableError as exc:
                wait = self._settle(exc, failures, streamed, state)
                if wait is None:
                    raise
                failures += 1
                RETRIES.labels(exc.reason).inc()
                log.info("model call failed (%s); trying again in %.2f s", exc.reason, wait)
                await self._sleep(wait)
                continue
            except BaseException:
                # Stopped from outside (cancelled, or the answer's length cap): a provider
                # that was streaming text was answering.
                if streamed:
                    self.breaker.succeeded()
                else:
                    self.breaker.released()
                raise
            self.breaker.succeeded()
            return response

    def _settle(
        self, exc: ModelUnavailableError, failures: int, streamed: bool, state: TurnState
    ) -> float | None:
        """Record the failure; how long to wait before trying again, or None not to."""
        if not exc.transient:
            self.breaker.released()
            return None
        was_open = self.breaker.state is CircuitState.OPEN
        self.breaker.failed()
        if self.breaker.state is CircuitState.OPEN and not was_open:
            log.warning("language model circuit opened after %s (%s)", exc.reason, exc)
        if streamed or failures >= self.max_retries:
            return None
        if self.breaker.state is CircuitState.OPEN:
            return None
        if exc.retry_after_s is not None:
            wait = exc.retry_after_s
        else:
            wait = min(BACKOFF_S * 2**failures, MAX_BACKOFF_S) * random.uniform(0.75, 1.0)
        if state.deadline is not None and self._clock() + wait >= state.deadline:
            return None  # the answer would come too late: say so now
        return wait
