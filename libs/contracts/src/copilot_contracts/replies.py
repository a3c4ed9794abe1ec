"""Answers to requests on the bus (core request/reply): the result, or an error.

A service answers every request, even one it cannot read, so that the caller shows why
rather than waiting for a reply that never comes."""

import json
from typing import Any, TypeVar

from pydantic import BaseModel

from copilot_contracts.envelope import Message
from copilot_contracts.tools import ToolError

INVALID_REQUEST = "invalid_request"
ReplyT = TypeVar("ReplyT", bound=BaseModel)


class ErrorReply(Message):
    """What a service answers instead of its result: {"error": {"code", "message"}}."""

    error: ToolError

    @classmethod
    def of(cls, code: str, message: str) -> "ErrorReply":
        return cls(error=ToolError(code=code, message=message))


class ServiceError(Exception):
    """A service answered a request (on `subject`, when the caller said) with an error."""

    def __init__(self, error: ToolError, subject: str = "") -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.code = error.code
        self.message = error.message
        self.subject = subject


def read_reply(reply: bytes | str | Any, model: type[ReplyT], subject: str = "") -> ReplyT:
    """The reply (raw or decoded JSON) to a request on `subject` as `model`; ServiceError
    if it is an ErrorReply."""
    content = json.loads(reply) if isinstance(reply, bytes | str) else reply
    if isinstance(content, dict) and "error" in content and "error" not in model.model_fields:
        raise ServiceError(ErrorReply.model_validate(content).error, subject)
    return model.model_validate(content)
