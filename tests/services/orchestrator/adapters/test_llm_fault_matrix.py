"""The language model's faults, each through the real `openai` SDK over real HTTP against the
scripted server: each ends in a retry that answers, a graceful answer, or a clear error."""

import pytest
from copilot_contracts.chat import ToolEvent
from copilot_orchestrator.adapters.openai_errors import (
    BROKE_OFF,
    FAILED,
    NOT_IN_TIME,
    RATE_LIMITED,
    REFUSED_CREDENTIALS,
)
from copilot_orchestrator.domain.answer_limit import CUT_SHORT
from copilot_orchestrator.domain.circuit_breaker import CircuitState
from copilot_orchestrator.domain.turn import TOOLS_SPENT

from tests.services.orchestrator.adapters.resilient_turns import error_of, rig, sample
from tests.support.scripted_llm import CutHow, Reply, ScriptedLLM, ToolCall

ANSWER = "Keep them airtight, cool and dark."
SEARCH = ToolCall("searchDocs", {"query": "store beans"})


async def test_429_with_retry_after_is_waited_out_then_answered() -> None:
    retries = sample("llm_retries_total", reason="rate_limited")
    with ScriptedLLM([Reply.error(429, retry_after=1.5), Reply.say(ANSWER)]) as llm:
        turns = rig(llm)
        sink = await turns.ask()
    assert turns.sleeps.waits == [1.5], "the provider's Retry-After, not a guess"
    assert sink.text() == ANSWER and sink.types()[-1] == "done"
    assert len(llm.requests) == 2
    assert sample("llm_retries_total", reason="rate_limited") == retries + 1


async def test_429_asking_more_time_than_the_turn_has_fails_at_once() -> None:
    with ScriptedLLM([Reply.error(429, retry_after=120), Reply.say(ANSWER)]) as llm:
        turns = rig(llm)
        sink = await turns.ask(within_s=20)
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", RATE_LIMITED)
    assert turns.sleeps.waits == [] and len(llm.requests) == 1


async def test_500_is_retried_after_a_backoff_then_answered() -> None:
    with ScriptedLLM([Reply.error(500), Reply.error(503), Reply.say(ANSWER)]) as llm:
        turns = rig(llm)
        sink = await turns.ask()
    assert sink.text() == ANSWER and len(llm.requests) == 3
    first, second = turns.sleeps.waits
    assert 0.375 <= first <= 0.5 and 0.75 <= second <= 1.0, "exponential, with jitter"


async def test_500_that_persists_ends_in_a_clear_error_after_the_retries() -> None:
    with ScriptedLLM([Reply.error(500)] * 3 + [Reply.say(ANSWER)]) as llm:
        turns = rig(llm, retries=2)
        sink = await turns.ask()
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", FAILED)
    assert len(llm.requests) == 3 and sink.text() == ""


async def test_a_refusal_of_the_request_is_not_retried_nor_held_against_the_provider() -> None:
    with ScriptedLLM([Reply.error(401), Reply.say(ANSWER)]) as llm:
        turns = rig(llm, failures_to_open=1)
        sink = await turns.ask()
    assert error_of(sink).message == REFUSED_CREDENTIALS
    assert len(llm.requests) == 1 and turns.breaker.state is CircuitState.CLOSED


async def test_a_reply_that_hangs_past_the_timeout_is_tried_again() -> None:
    with ScriptedLLM([Reply.hang(), Reply.say(ANSWER)]) as llm:
        turns = rig(llm, timeout_s=0.3)
        sink = await turns.ask()
    assert sink.text() == ANSWER and len(llm.requests) == 2


async def test_a_timeout_on_every_try_ends_in_a_clear_error() -> None:
    with ScriptedLLM([Reply.hang(), Reply.hang()]) as llm:
        turns = rig(llm, timeout_s=0.3, retries=1)
        sink = await turns.ask()
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", NOT_IN_TIME)
    assert len(llm.requests) == 2


@pytest.mark.parametrize("how", ["abort", "end"])
async def test_a_stream_cut_before_any_text_is_tried_again(how: CutHow) -> None:
    # Cut in the middle of the tool call's arguments: nothing reached the visitor, and the
    # half-written call was never run, so a second try is safe.
    script = [
        Reply.cut_short("", after=3, how=how, calls=(SEARCH,)),
        Reply.tools(SEARCH),
        Reply.say(ANSWER),
    ]
    with ScriptedLLM(script) as llm:
        turns = rig(llm)
        sink = await turns.ask()
    assert sink.text() == ANSWER and sink.types()[-1] == "done"
    assert len(llm.requests) == 3 and len(turns.transport.requests) == 1


@pytest.mark.parametrize("how", ["abort", "end", "stall"])
async def test_a_stream_cut_after_text_reached_the_visitor_ends_in_a_clear_error(
    how: CutHow,
) -> None:
    # Role chunk, then "Keep your be" and "ans in a coo": the visitor has seen words.
    cut = Reply.cut_short("Keep your beans in a cool, dark place.", after=3, how=how)
    with ScriptedLLM([cut, Reply.say(ANSWER)]) as llm:
        turns = rig(llm, timeout_s=0.3)
        sink = await turns.ask()
    assert sink.text() == "Keep your beans in a ", "only whole words, as the check passes them"
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", BROKE_OFF)
    assert len(llm.requests) == 1, "not tried again: the answer would start over"


async def test_malformed_arguments_and_an_unknown_tool_go_back_to_the_model() -> None:
    calls = (ToolCall("searchDocs", '{"query": "unterminated'), ToolCall("brewTea", {}))
    script = [Reply.tools(*calls), Reply.say("I could not search just now, sorry.")]
    with ScriptedLLM(script) as llm:
        turns = rig(llm)
        sink = await turns.ask()
    assert turns.transport.requests == [], "nothing invalid is dispatched"
    results = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "invalid_arguments" in results[0] and "unknown_tool" in results[1]
    assert ToolEvent(name="brewTea", status="failed") in sink.events
    assert sink.text() == "I could not search just now, sorry." and sink.types()[-1] == "done"


async def test_endless_tool_calls_end_in_an_answer_without_tools() -> None:
    def model(body: dict[str, object]) -> Reply:
        return Reply.tools(SEARCH) if body.get("tools") else Reply.say("Here is what I found.")

    with ScriptedLLM(model) as llm:
        turns = rig(llm, max_rounds=3)
        sink = await turns.ask()
    assert len(turns.transport.requests) == 3 and len(llm.requests) == 4
    last = llm.requests[-1]
    assert "tools" not in last and last["messages"][-1]["content"] == TOOLS_SPENT
    assert sink.text() == "Here is what I found." and sink.types()[-1] == "done"


async def test_a_provider_that_calls_tools_when_offered_none_gets_a_clear_error() -> None:
    with ScriptedLLM(lambda body: Reply.tools(SEARCH)) as llm:
        turns = rig(llm, max_rounds=2)
        sink = await turns.ask()
    assert error_of(sink).code == "tool_loop_limit"
    assert len(turns.transport.requests) == 2 and len(llm.requests) == 3


async def test_a_huge_answer_is_cut_at_the_limit_with_a_note() -> None:
    huge = "word " * 60_000  # 300,000 characters
    with ScriptedLLM([Reply.say(huge)]) as llm:
        turns = rig(llm, max_answer_chars=2_000, max_output_tokens=100_000)
        sink = await turns.ask()
    assert sink.text() == huge[:2_000] + CUT_SHORT
    done = sink.events[-1]
    assert done.type == "done" and done.usage.output_tokens > 0, "billed all the same"
    assert llm.requests[0]["max_completion_tokens"] == 100_000


async def test_an_answer_the_provider_cut_at_max_tokens_ends_with_the_note() -> None:
    with ScriptedLLM([Reply.say("word " * 60_000)]) as llm:
        turns = rig(llm, max_output_tokens=50)
        sink = await turns.ask()
    assert sink.text() == " ".join(["word"] * 38) + CUT_SHORT
    assert sink.types()[-1] == "done"
