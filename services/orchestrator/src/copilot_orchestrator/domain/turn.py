"""The tool-calling loop of one chat turn."""

import asyncio
import json
from dataclasses import dataclass
from typing import Protocol

from copilot_contracts.chat import (
    CitationEvent,
    DeltaEvent,
    DoneEvent,
    ErrorEvent,
    ToolEvent,
    TurnEvent,
    Usage,
)
from copilot_contracts.tool_catalog import ToolSpec
from copilot_contracts.tools import ToolError

from copilot_orchestrator.domain.answer_limit import CUT_SHORT, AnswerLimit
from copilot_orchestrator.domain.budget import Refusal, estimate_tokens
from copilot_orchestrator.domain.confirmations import confirmation_for
from copilot_orchestrator.domain.conversation import ToolOutcome, TurnState
from copilot_orchestrator.domain.model import (
    ChatModel,
    ModelResponse,
    ModelUnavailableError,
    StopStreaming,
    ToolCall,
)
from copilot_orchestrator.domain.output_guard import GuardedStream, OutputGuard
from copilot_orchestrator.domain.prompts import PromptVariants, prompt_text
from copilot_orchestrator.domain.rendering import render_outcome
from copilot_orchestrator.domain.tools import ToolTransport, run_tool_call

SNIPPET_CHARS = 240
WITHHELD = (
    "I'm sorry, I can't share that. I can help with our coffee, brewing, orders and shipping."
)
TOOLS_SPENT = (
    "You have used every tool call this turn allows. Answer the visitor now with what you "
    "found, and say plainly what you could not finish."
)


class BudgetGate(Protocol):
    async def refusal(self, conversation_id: str) -> Refusal | None:
        """Why the model may not be called now (a budget is spent), or None."""
        ...

    async def record(self, conversation_id: str, usage: Usage) -> None: ...


class EventSink(Protocol):
    async def emit(self, event: TurnEvent) -> None: ...


class History(Protocol):
    """A conversation's past turns; `kept` says the visitor agreed to keep it."""

    async def load(self, conversation_id: str, kept: bool) -> list[dict[str, str]]: ...

    async def append(
        self,
        conversation_id: str,
        messages: list[dict[str, str]],
        kept: bool,
        session_id: str | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class TurnInput:
    conversation_id: str
    turn_id: str
    message: str
    session_id: str | None = None
    consent: bool = False
    deadline: float | None = None
    """When the turn must have ended (time.monotonic()), for the model's retries."""


def decoded_strings(arguments: str) -> str:
    """The text values of JSON arguments as they will be read (escapes such as \\u0041
    decoded), so that escaping cannot hide text from the output check."""
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return ""
    found: list[str] = []
    pending = [parsed]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return "\n".join(found)


class TurnRunner:
    def __init__(
        self,
        model: ChatModel,
        transport: ToolTransport,
        history: History,
        tools: list[ToolSpec],
        max_tool_rounds: int,
        guard: OutputGuard | None = None,
        budget: BudgetGate | None = None,
        prompts: PromptVariants | None = None,
        max_answer_chars: int | None = None,
    ) -> None:
        """After `max_tool_rounds` rounds of tool calls the model answers without tools;
        an answer longer than `max_answer_chars` is cut short there, with a note."""
        self.budget = budget
        self.prompts = prompts or PromptVariants.single()
        self.model = model
        self.guard = guard or OutputGuard(self.prompts.texts(), [])
        self.transport = transport
        self.history = history
        self.tools = tools
        self.offered = {tool.name: tool for tool in tools}
        self.max_tool_rounds = max_tool_rounds
        self.max_answer_chars = max_answer_chars

    async def run(self, turn: TurnInput, sink: EventSink) -> None:
        variant = self.prompts.variant_for(turn.conversation_id)
        past = await self.history.load(turn.conversation_id, turn.consent)
        state = TurnState(
            conversation_id=turn.conversation_id,
            turn_id=turn.turn_id,
            user_message=turn.message,
            session_id=turn.session_id,
            deadline=turn.deadline,
            messages=[
                {"role": "system", "content": prompt_text(variant)},
                *past,
                {"role": "user", "content": turn.message},
            ],
        )
        usage = Usage()

        async def stream_text(text: str) -> None:
            if text:
                await sink.emit(DeltaEvent(text=text))

        checked = self.guard.stream(stream_text)
        limit = AnswerLimit(self.max_answer_chars)
        for round_number in range(self.max_tool_rounds + 1):
            if self.budget and (refusal := await self.budget.refusal(turn.conversation_id)):
                await sink.emit(ErrorEvent(code=refusal.reason, message=refusal.message))
                return
            last = round_number == self.max_tool_rounds
            if last:  # a runaway chain of tool calls ends in an answer, not a crash
                state.messages.append({"role": "system", "content": TOOLS_SPENT})
            try:
                response = await self._respond(turn, state, checked, limit, last)
            except ModelUnavailableError as exc:
                await sink.emit(ErrorEvent(code="llm_unavailable", message=str(exc)))
                return
            if not response.tool_calls:
                await checked.flush()  # between rounds an unfinished word stays held
            usage = Usage(
                input_tokens=usage.input_tokens + response.usage.input_tokens,
                output_tokens=usage.output_tokens + response.usage.output_tokens,
            )
            if checked.blocked:
                await sink.emit(DeltaEvent(text=f"\n\n{WITHHELD}"))
                state.passages.clear()  # nothing of a withheld answer is cited
                await self._finish(turn, state, WITHHELD, usage, sink)
                return
            if not response.tool_calls:
                if response.finish_reason == "length":
                    await sink.emit(DeltaEvent(text=CUT_SHORT))
                await self._finish(turn, state, response.text, usage, sink)
                return
            if not last:
                await self._run_tools(state, response.text, response.tool_calls, sink)
        await sink.emit(  # the model called tools even with none offered
            ErrorEvent(
                code="tool_loop_limit",
                message="The assistant needed too many steps for this request and stopped. "
                "Please rephrase or split it into smaller questions.",
            )
        )

    async def _run_tools(
        self, state: TurnState, text: str, calls: list[ToolCall], sink: EventSink
    ) -> None:
        state.messages.append(
            {
                "role": "assistant",
                "content": text or None,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in calls
                ],
            }
        )
        for call in calls:
            await sink.emit(ToolEvent(name=call.name, status="started"))
        outcomes = await asyncio.gather(*(self._run_checked(state, call) for call in calls))
        for outcome in outcomes:
            state.outcomes.append(outcome)
            await sink.emit(
                ToolEvent(name=outcome.tool, status="succeeded" if outcome.ok else "failed")
            )
            if (confirmation := confirmation_for(outcome)) is not None:
                await sink.emit(confirmation)
            state.messages.append(
                {
                    "role": "tool",
                    "tool_call_id": outcome.call_id,
                    "content": render_outcome(state, outcome),
                }
            )

    async def _respond(
        self,
        turn: TurnInput,
        state: TurnState,
        checked: GuardedStream,
        limit: AnswerLimit,
        without_tools: bool,
    ) -> ModelResponse:
        """One model call, its usage counted against the budgets. A call cut short (the
        visitor left, the turn timed out, the answer reached its limit) is billed by the
        provider all the same: it is counted from the prompt's size and the text streamed."""
        streamed: list[str] = []

        async def write(text: str) -> None:
            allowed = limit.take(text)
            streamed.append(allowed)
            await checked.write(allowed)
            if len(allowed) < len(text):
                raise StopStreaming("the answer reached its length limit")

        def spent() -> Usage:
            return Usage(
                input_tokens=estimate_tokens(json.dumps(state.messages, default=str)),
                output_tokens=estimate_tokens("".join(streamed)),
            )

        try:
            response = await self.model.respond(state, [] if without_tools else self.tools, write)
        except StopStreaming:
            response = ModelResponse("".join(streamed), usage=spent(), finish_reason="length")
        except asyncio.CancelledError:
            if self.budget:
                await asyncio.shield(self.budget.record(turn.conversation_id, spent()))
            raise
        if self.budget:
            await self.budget.record(turn.conversation_id, response.usage)
        return response

    async def _run_checked(self, state: TurnState, call: ToolCall) -> ToolOutcome:
        """Run a call unless it would carry a secret out, or change state a second time in
        one turn (one order or issue per request, each confirmed by the visitor; a call
        that failed changed nothing and may be retried)."""
        refusal = None
        spec = self.offered.get(call.name)
        if self.guard.leaks(call.arguments) or self.guard.leaks(decoded_strings(call.arguments)):
            refusal = ToolError(code="refused", message="The arguments hold confidential text.")
        elif spec is not None and spec.changes_state:
            if call.name in state.state_changes:
                refusal = ToolError(
                    code="one_per_turn",
                    message=f"Only one {call.name} per turn; ask the visitor before another.",
                )
            state.state_changes.add(call.name)
        if refusal is not None:
            return ToolOutcome(call_id=call.id, tool=call.name, error=refusal)
        outcome = await run_tool_call(self.transport, self.offered, state, call)
        if not outcome.ok:
            state.state_changes.discard(call.name)  # nothing changed: a corrected retry may
        return outcome

    async def _finish(
        self, turn: TurnInput, state: TurnState, answer: str, usage: Usage, sink: EventSink
    ) -> None:
        for passage in state.cited(answer):
            snippet = " ".join(passage.text.split())[:SNIPPET_CHARS]
            await sink.emit(CitationEvent(title=passage.title, url=passage.url, snippet=snippet))
        await self.history.append(
            turn.conversation_id,
            [{"role": "user", "content": turn.message}, {"role": "assistant", "content": answer}],
            turn.consent,
            turn.session_id,
        )
        await sink.emit(DoneEvent(usage=usage))
