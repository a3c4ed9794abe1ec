"""The circuit breaker in front of the model, against a scripted provider that fails on and
off: once open, turns fail fast and the provider hears nothing until the cool-down ends;
one probe then decides, and the metrics show each state."""

from collections.abc import Iterator
from typing import Any

import pytest
from copilot_orchestrator.adapters.openai_errors import FAILED, RATE_LIMITED
from copilot_orchestrator.adapters.resilient_model import RESTING

from tests.services.orchestrator.adapters.resilient_turns import Rig, error_of, rig, sample
from tests.support.scripted_llm import Reply, ScriptedLLM

ANSWER = "Back again: keep them airtight."
COOLDOWN_S = 30.0


class FlakyProvider:
    """Answers with `failure` while `down`, else with a short answer."""

    def __init__(self, failure: Reply) -> None:
        self.failure = failure
        self.down = True

    def __call__(self, body: dict[str, Any]) -> Reply:
        return self.failure if self.down else Reply.say(ANSWER)


@pytest.fixture(params=[Reply.error(500), Reply.error(429, retry_after=0.5)], ids=["500", "429"])
def provider(request: pytest.FixtureRequest) -> FlakyProvider:
    return FlakyProvider(request.param)


@pytest.fixture
def turns(provider: FlakyProvider) -> Iterator[Rig]:
    with ScriptedLLM(provider) as llm:
        yield rig(llm, retries=2, failures_to_open=3, cooldown_s=COOLDOWN_S)


async def _open(turns: Rig, provider: FlakyProvider) -> None:
    """Three failed tries in one turn (the first and two retries) open the circuit."""
    sink = await turns.ask()
    expected = RATE_LIMITED if provider.failure.status == 429 else FAILED
    assert error_of(sink).message == expected
    assert len(turns.llm.requests) == 3
    assert sample("llm_circuit_state") == 2


async def test_an_open_circuit_fails_fast_without_calling_the_provider(
    turns: Rig, provider: FlakyProvider
) -> None:
    await _open(turns, provider)
    rejected = sample("llm_breaker_rejections_total")
    for _ in range(3):
        turns.clock.now += COOLDOWN_S / 4
        sink = await turns.ask()
        error = error_of(sink)
        assert (error.code, error.message) == ("llm_unavailable", RESTING)
    assert len(turns.llm.requests) == 3, "the provider heard nothing during the cool-down"
    assert sample("llm_breaker_rejections_total") == rejected + 3
    assert sample("llm_circuit_state") == 2


async def test_a_successful_probe_closes_the_circuit(turns: Rig, provider: FlakyProvider) -> None:
    await _open(turns, provider)
    turns.clock.now += COOLDOWN_S
    assert sample("llm_circuit_state") == 1, "half-open: the next call is a probe"
    provider.down = False
    sink = await turns.ask()
    assert sink.text() == ANSWER and sink.types()[-1] == "done"
    assert len(turns.llm.requests) == 4
    assert sample("llm_circuit_state") == 0


async def test_a_failed_probe_opens_the_circuit_for_another_cool_down(
    turns: Rig, provider: FlakyProvider
) -> None:
    await _open(turns, provider)
    turns.clock.now += COOLDOWN_S
    sink = await turns.ask()
    assert error_of(sink).message != RESTING, "the probe went to the provider"
    assert len(turns.llm.requests) == 4, "one probe, not tried again"
    assert sample("llm_circuit_state") == 2
    turns.clock.now += COOLDOWN_S - 1
    assert error_of(await turns.ask()).message == RESTING
    assert len(turns.llm.requests) == 4
