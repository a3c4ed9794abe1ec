"""What a failed call to an OpenAI-compatible API means for the turn: a clear message for
the visitor, whether another try may help, and how long the provider asked us to wait."""

import email.utils
import math
import time
from collections.abc import Mapping

import aiohttp
import openai

from copilot_orchestrator.domain.model import ModelUnavailableError

RATE_LIMITED = "The language model is rate limited; please try again in a moment."
NOT_IN_TIME = "The language model did not answer in time; please try again."
UNREACHABLE = "The language model could not be reached; please try again in a moment."
BROKE_OFF = "The language model's answer broke off; please ask again."
REFUSED_CREDENTIALS = "The language model refused our credentials."
FAILED = "The language model failed to answer."
# Statuses the provider may answer differently a moment later (as the openai SDK retries).
TRANSIENT_STATUSES = {408, 409, 429}


def unavailable(
    exc: openai.OpenAIError | aiohttp.ClientError, mid_stream: bool
) -> ModelUnavailableError:
    """`mid_stream`: the answer had begun to arrive when the call failed."""
    if isinstance(exc, aiohttp.ClientError):  # a response the transport could not read
        if mid_stream:
            return ModelUnavailableError(BROKE_OFF, "broken_stream", transient=True)
        return ModelUnavailableError(FAILED, "bad_response", transient=True)
    if isinstance(exc, openai.APITimeoutError) and not _connection_failed(exc):
        if mid_stream:
            return ModelUnavailableError(BROKE_OFF, "broken_stream", transient=True)
        return ModelUnavailableError(NOT_IN_TIME, "timeout", transient=True)
    if isinstance(exc, openai.APIConnectionError):
        if mid_stream:
            return ModelUnavailableError(BROKE_OFF, "broken_stream", transient=True)
        return ModelUnavailableError(UNREACHABLE, "unreachable", transient=True)
    if isinstance(exc, openai.RateLimitError):
        wait = retry_after_s(exc.response.headers)
        return ModelUnavailableError(RATE_LIMITED, "rate_limited", True, wait)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelUnavailableError(REFUSED_CREDENTIALS, "refused")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        transient = status >= 500 or status in TRANSIENT_STATUSES
        wait = retry_after_s(exc.response.headers) if transient else None
        return ModelUnavailableError(FAILED, f"status_{status}", transient, wait)
    if isinstance(exc, openai.APIError):  # an error event inside the stream
        return ModelUnavailableError(FAILED, "stream_error", transient=True)
    return ModelUnavailableError(FAILED)


def _connection_failed(exc: BaseException) -> bool:
    """The SDK's aiohttp transport hands it every aiohttp connection error as a connect
    timeout; a connection refused or dropped, with no timeout among its causes, is told
    apart by them."""
    causes = []
    while (cause := exc.__cause__) is not None:
        causes.append(cause)
        exc = cause
    return any(isinstance(c, aiohttp.ClientConnectionError) for c in causes) and not any(
        isinstance(c, TimeoutError) for c in causes
    )


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Retry-After-Ms, or Retry-After in seconds or as an HTTP date; None when absent."""
    if (millis := _number(headers.get("retry-after-ms"))) is not None:
        return max(0.0, millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    if (seconds := _number(value)) is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
