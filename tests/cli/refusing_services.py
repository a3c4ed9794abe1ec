"""Services on a real NATS server that answer with set replies, errors among them (as a
service of another version would), for the tests of the commands that ask them."""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
from copilot_contracts.envelope import Message
from copilot_contracts.replies import ErrorReply
from nats.aio.msg import Msg

REFUSAL = ErrorReply.of("invalid_request", "session_id: String should have at least 8 characters")


def _responder(answer: Message) -> Callable[[Msg], Awaitable[None]]:
    async def respond(msg: Msg) -> None:
        await msg.respond(answer.model_dump_json().encode())

    return respond


@asynccontextmanager
async def answering(nats_url: str, answers: Mapping[str, Message]) -> AsyncIterator[None]:
    """Each subject of `answers` is answered with its message, whatever is asked."""
    connection = await nats.connect(nats_url)
    for subject, answer in answers.items():
        await connection.subscribe(subject, cb=_responder(answer))
    await connection.flush()
    try:
        yield
    finally:
        await connection.close()


def as_operator_of(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """The CLI logs in as no one: the test server has no authorization."""
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.delenv("NATS_USER", raising=False)
    monkeypatch.delenv("NATS_PASSWORD", raising=False)
