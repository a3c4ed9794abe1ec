"""What the tool-calling loop needs from a language model, whichever one it is."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from copilot_contracts.chat import Usage
from copilot_contracts.tool_catalog import ToolSpec

from copilot_orchestrator.domain.conversation import TurnState

ChatMessage = dict[str, Any]
"""A message in the chat completions format: role, content, tool_calls, tool_call_id."""

TextSink = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """JSON text as the model wrote it; it may be malformed."""


@dataclass
class ModelResponse:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"


class ModelUnavailableError(Exception):
    """The model could not answer (refused, unreachable, rate limited past retries).

    `transient` failures (rate limits, server errors, timeouts, broken connections) are
    worth another try and count against the provider's health; a refusal of one request
    (bad credentials, a request it cannot take) is neither. `retry_after_s` is how long the
    provider asked us to wait, when it said."""

    def __init__(
        self,
        message: str,
        reason: str = "failed",
        transient: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.transient = transient
        self.retry_after_s = retry_after_s


class StopStreaming(Exception):
    """Raised by a TextSink to end the model's call early: the model stops reading its
    answer and lets this through."""


class ChatModel(Protocol):
    name: str

    async def respond(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        """Answer the conversation so far, streaming any text through `on_text`."""
        ...
