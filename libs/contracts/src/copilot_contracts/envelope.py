"""The envelope every bus message carries."""

from datetime import UTC, datetime
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field


def new_id() -> str:
    return uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    """Base of every bus message. Unknown fields are ignored so schemas can grow."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(Message):
    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    conversation_id: str
    turn_id: str


class StateChangingEnvelope(Envelope):
    """A message whose handling changes state: repeats with the same key have one effect."""

    idempotency_key: str = Field(min_length=8, max_length=200)
