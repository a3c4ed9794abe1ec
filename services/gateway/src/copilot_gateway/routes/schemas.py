"""Request and response bodies of the public HTTP API (strict: unknown fields are refused)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisitorIdentity(StrictBody):
    """HMAC-SHA256 of "<user_id>:<issued_at>" with the site's IDENTITY_SECRET, in hex."""

    user_id: str = Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    issued_at: int = Field(ge=0, le=2**40, description="When the site signed it (Unix s).")
    user_hash: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class SessionRequest(StrictBody):
    site_key: str = Field(min_length=1, max_length=200)
    consent: bool = Field(
        default=False,
        strict=True,  # a choice of the visitor's: true or false, never 0 or "yes"
        description="The visitor agreed that the conversation may be kept.",
    )
    identity: VisitorIdentity | None = Field(
        default=None, description="The host site's signed-in user, signed by the site."
    )


class ConsentRequest(StrictBody):
    consent: bool = Field(
        strict=True, description="The visitor agrees that the conversation may be kept."
    )


class SessionResponse(BaseModel):
    session_id: str
    token: str
    expires_at: datetime


class ChatRequest(StrictBody):
    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, pattern=r"^[a-f0-9]{32}$")
    request_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{16,64}$",
        description="The sender's own id for this message, the same when it is sent again"
        " (after a stream cut before `meta`): the turn it started is followed again, from its"
        " first event, instead of a second turn.",
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, message: str) -> str:
        if not message.strip():
            raise ValueError("the message is empty")
        return message.strip()


class FeedbackRequest(StrictBody):
    turn_id: str = Field(pattern=r"^[a-f0-9]{32}$")
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=1000)


class ActionResult(BaseModel):
    action_id: str
    status: str = Field(
        description="Orders: confirmed, fulfilled, cancelled, expired or pending_confirmation; "
        "reports: filed, cancelled, expired or pending_confirmation; processing: ask again "
        "shortly."
    )
    message: str = Field(description="What to tell the visitor, with the order number.")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
