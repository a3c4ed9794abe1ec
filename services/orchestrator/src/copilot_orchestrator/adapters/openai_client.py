"""The openai SDK's client for the chat model, on its aiohttp transport.

The SDK offers aiohttp (the `aiohttp` extra) beside its default httpx2 transport. aiohttp
parses HTTP in C; httpx2 reads through httpcore, h11 and anyio in Python. A streamed model
call cost 1.9 ms of this process's CPU on httpx2 and 1.4 ms on aiohttp (measured against
the benchmark's scripted server, instrumented as here), and a turn makes two or more.
The transport maps aiohttp's exceptions onto httpx2's, which the SDK turns into its own,
with two gaps that openai_errors.py closes: every connection error arrives as a connect
timeout (a refused connection is told apart by its cause), and a response aiohttp cannot
parse arrives as aiohttp's own ClientResponseError."""

import openai
from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor
from opentelemetry.trace import TracerProvider


def openai_client(
    base_url: str | None,
    api_key: str,
    timeout_s: float,
    tracing: TracerProvider | None = None,
) -> openai.AsyncOpenAI:
    """No retries of the SDK's own: ResilientModel retries, within the turn's deadline and
    the circuit breaker. Every call gets an HTTP span under the model call's span."""
    http_client = openai.DefaultAioHttpClient(timeout=timeout_s)
    # Its signature names httpx's client types; the HTTPX2 variant instruments httpx2's.
    HTTPX2ClientInstrumentor.instrument_client(http_client, tracer_provider=tracing)  # type: ignore[arg-type]
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout_s,
        max_retries=0,
        http_client=http_client,
    )
