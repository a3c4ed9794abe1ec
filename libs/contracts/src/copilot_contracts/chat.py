"""Chat turns and the events a turn streams back to the gateway."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from copilot_contracts.envelope import Envelope, Message, new_id, utc_now


class ChatTurnRequested(Envelope):
    """A visitor sent a message; the orchestrator answers it before `deadline`."""

    session_id: str
    message: str = Field(min_length=1, max_length=4000)
    deadline: datetime
    consent: bool = Field(
        default=False, description="The visitor agreed that the conversation may be kept."
    )


class ChatTurnCancelled(Envelope):
    """The visitor went away (or the gateway gave up): stop working on the turn."""

    reason: str


class Usage(Message):
    input_tokens: int = 0
    output_tokens: int = 0


class MetaEvent(Message):
    type: Literal["meta"] = "meta"
    conversation_id: str
    turn_id: str
    trace_id: str


class DeltaEvent(Message):
    type: Literal["delta"] = "delta"
    text: str


ToolStatus = Literal["started", "succeeded", "failed"]


class ToolEvent(Message):
    type: Literal["tool"] = "tool"
    name: str
    status: ToolStatus


class CitationEvent(Message):
    type: Literal["citation"] = "citation"
    title: str
    url: str
    snippet: str


class ConfirmationEvent(Message):
    type: Literal["confirmation"] = "confirmation"
    action_id: str
    summary: str
    expires_at: datetime
    kind: Literal["order", "issue"] = Field(
        default="order", description="An order to place, or a report to send to the web team."
    )


class DoneEvent(Message):
    type: Literal["done"] = "done"
    usage: Usage = Field(default_factory=Usage)


class ErrorEvent(Message):
    type: Literal["error"] = "error"
    code: str
    message: str


TurnEvent = Annotated[
    MetaEvent | DeltaEvent | ToolEvent | CitationEvent | ConfirmationEvent | DoneEvent | ErrorEvent,
    Field(discriminator="type"),
]
TERMINAL_EVENT_TYPES = frozenset({"done", "error"})


class TurnEventPublished(Envelope):
    """One event of a turn, numbered so the gateway can drop repeats after a redelivery."""

    seq: int = Field(ge=0)
    event: TurnEvent


class ChatFeedbackGiven(Message):
    """A visitor rated an answer."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    session_id: str
    turn_id: str
    rating: Literal["up", "down"]
    comment: str | None = None
    conversation_id: str | None = None


class WidgetOpened(Message):
    """A visitor opened the chat widget (sent once per session and page)."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    session_id: str


class ConfirmationAnswered(Message):
    """A visitor confirmed (accepted) or cancelled (declined) what the assistant prepared:
    an order (EO-…) or a report to the web team (GH-…)."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    session_id: str
    action_id: str
    kind: Literal["order", "issue"]
    decision: Literal["accepted", "declined"]


class TurnRecord(Message):
    """Which session and conversation a turn belongs to (for feedback on its answer, and to
    resume its events after a dropped connection)."""

    turn_id: str
    conversation_id: str
    session_id: str
    deadline: datetime | None = None


class ConversationRecord(Message):
    """Who owns a conversation; written by the gateway, read by anyone."""

    conversation_id: str
    session_id: str
    created_at: datetime
