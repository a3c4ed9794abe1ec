"""Publish the outbox's events to JetStream, then mark them sent.

At least once: a crash between publish and mark publishes again, and JetStream drops the
repeat by its message id (the event id). Several replicas may relay at once for the same
reason."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from copilot_orders.adapters.tables import OutboxRow

log = logging.getLogger(__name__)

Publish = Callable[[str, str, str], Awaitable[None]]
"""(subject, JSON payload, event id)."""


class OutboxRelay:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], publish: Publish, every_s: float = 2.0
    ) -> None:
        self.sessions = sessions
        self.publish = publish
        self.every_s = every_s
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was just written: relay now rather than at the next tick."""
        self._wake.set()

    async def relay_pending(self, limit: int = 100) -> int:
        async with self.sessions() as session:
            rows = (
                await session.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.published_at.is_(None))
                    .order_by(OutboxRow.created_at)
                    .limit(limit)
                )
            ).all()
        for row in rows:
            await self.publish(row.subject, row.payload, row.id)
            async with self.sessions.begin() as session:
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row.id)
                    .values(published_at=datetime.now(UTC))
                )
        return len(rows)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                sent = await self.relay_pending()
            except Exception as exc:  # the bus or the database is away: try again later
                log.warning("outbox relay paused: %s", type(exc).__name__)
                sent = 0
            if sent:
                log.info("published %d order events", sent)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every_s)
