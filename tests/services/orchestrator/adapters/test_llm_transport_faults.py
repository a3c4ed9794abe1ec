"""Faults below HTTP, through the SDK's aiohttp transport as the service uses it: a provider
that refuses the connection is unreachable (not "slow"), and an answer that is not readable
HTTP is a clear, retried failure (not an internal error)."""

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from copilot_orchestrator.adapters.openai_errors import FAILED, UNREACHABLE

from tests.services.orchestrator.adapters.resilient_turns import error_of, rig, sample

HEADER_OVER_THE_LIMIT = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 9000 + b"\r\n\r\n"


@dataclass
class NoServer:
    """A port nothing listens on."""

    base_url: str = ""
    requests: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@dataclass
class GarbledServer:
    """Answers every request with bytes that are not HTTP a client can read."""

    base_url: str = ""
    requests: list[Any] = field(default_factory=list)

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.requests.append(await reader.read(65_536))
        writer.write(HEADER_OVER_THE_LIMIT)
        await writer.drain()
        writer.close()


@pytest.fixture
async def garbled() -> AsyncIterator[GarbledServer]:
    server = GarbledServer()
    listening = await asyncio.start_server(server.answer, "127.0.0.1", 0)
    server.base_url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}/v1"
    yield server
    listening.close()
    await listening.wait_closed()


async def test_a_refused_connection_is_unreachable_and_tried_again() -> None:
    retries = sample("llm_retries_total", reason="unreachable")
    turns = rig(NoServer(), retries=1)
    sink = await turns.ask()
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", UNREACHABLE)
    assert sample("llm_retries_total", reason="unreachable") == retries + 1
    assert len(turns.sleeps.waits) == 1


async def test_an_unreadable_answer_is_a_clear_failure_tried_again(
    garbled: GarbledServer,
) -> None:
    retries = sample("llm_retries_total", reason="bad_response")
    turns = rig(garbled, retries=1)
    sink = await turns.ask()
    error = error_of(sink)
    assert (error.code, error.message) == ("llm_unavailable", FAILED)
    assert sample("llm_retries_total", reason="bad_response") == retries + 1
    assert len(garbled.requests) == 2
