"""Connections to an authorized test bus as one of its users, recording what it refused."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
from copilot_cli.nats_logins import ADMIN
from copilot_service_defaults.broker import service_inbox
from nats.aio.client import Client

from tests.conftest import NatsForTests


class Session:
    """A connection as one user, with what the server refused it: nats-py hands the server's
    -ERR 'Permissions Violation ...' to the error callback, and the connection stays open."""

    def __init__(self) -> None:
        self.refused: list[str] = []
        self.nc: Client | None = None

    async def record(self, error: Exception) -> None:
        if "permissions violation" in str(error).lower():
            self.refused.append(str(error))

    @property
    def connection(self) -> Client:
        if self.nc is None:
            raise RuntimeError("not connected")
        return self.nc


@asynccontextmanager
async def logged_in(bus: NatsForTests, user: str) -> AsyncIterator[Session]:
    """Logged in as `user`, with the inbox prefix that user's service has."""
    session = Session()
    inbox = "_INBOX" if user == ADMIN else service_inbox(user)
    session.nc = await nats.connect(
        bus.url, inbox_prefix=inbox, error_cb=session.record, **bus.login(user)
    )
    try:
        yield session
    finally:
        await session.connection.close()
