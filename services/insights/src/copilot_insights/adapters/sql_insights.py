"""The insights' store in SQL (SQLite by default, PostgreSQL in production): each event is
kept once, however often it is delivered, and forgotten after the retention period."""

from datetime import datetime

from copilot_contracts.chat import ChatFeedbackGiven, ConfirmationAnswered, WidgetOpened
from copilot_contracts.insights import TurnAnswered
from copilot_contracts.orders import OrderPlaced
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from copilot_insights.adapters.tables import (
    Base,
    ConfirmedOrderRow,
    DecisionRow,
    RatingRow,
    TurnRow,
    WidgetOpenRow,
)
from copilot_insights.domain.report import Activity, Decision, Rating

KEPT = (TurnRow, RatingRow, ConfirmedOrderRow, DecisionRow, WidgetOpenRow)


class SqlInsights:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def create_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

    async def _keep(self, row: Base) -> bool:
        """Insert the row; False when it was kept already (a redelivery)."""
        try:
            async with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    async def turn_answered(self, event: TurnAnswered) -> bool:
        return await self._keep(
            TurnRow(
                turn_id=event.turn_id,
                conversation_id=event.conversation_id,
                session_id=event.session_id,
                created_at=event.created_at,
                variant=event.variant,
                summary=event.model_dump(mode="json"),
            )
        )

    async def feedback_given(self, event: ChatFeedbackGiven) -> bool:
        return await self._keep(
            RatingRow(
                feedback_id=event.id,
                conversation_id=event.conversation_id,
                session_id=event.session_id,
                turn_id=event.turn_id,
                up=event.rating == "up",
                created_at=event.created_at,
            )
        )

    async def order_placed(self, event: OrderPlaced) -> bool:
        return await self._keep(
            ConfirmedOrderRow(
                order_id=event.order_id,
                conversation_id=event.conversation_id,
                total=event.total,
                created_at=event.created_at,
            )
        )

    async def confirmation_answered(self, event: ConfirmationAnswered) -> bool:
        return await self._keep(
            DecisionRow(
                action_id=event.action_id,
                session_id=event.session_id,
                kind=event.kind,
                accepted=event.decision == "accepted",
                created_at=event.created_at,
            )
        )

    async def widget_opened(self, event: WidgetOpened) -> bool:
        return await self._keep(
            WidgetOpenRow(session_id=event.session_id, created_at=event.created_at)
        )

    async def activity(self, since: datetime, until: datetime) -> Activity:
        async with self.sessions() as session:
            turns = await session.scalars(
                select(TurnRow).where(TurnRow.created_at >= since, TurnRow.created_at < until)
            )
            ratings = await session.scalars(
                select(RatingRow).where(RatingRow.created_at >= since, RatingRow.created_at < until)
            )
            orders = await session.scalars(
                select(ConfirmedOrderRow.conversation_id).where(
                    ConfirmedOrderRow.created_at >= since, ConfirmedOrderRow.created_at < until
                )
            )
            decisions = await session.scalars(
                select(DecisionRow).where(
                    DecisionRow.created_at >= since, DecisionRow.created_at < until
                )
            )
            opened = await session.scalars(
                select(WidgetOpenRow.session_id).where(
                    WidgetOpenRow.created_at >= since, WidgetOpenRow.created_at < until
                )
            )
            return Activity(
                turns=[TurnAnswered.model_validate(row.summary) for row in turns],
                ratings=[Rating(r.conversation_id or "", r.turn_id, r.up) for r in ratings],
                confirmed_orders=set(orders),
                decisions=[Decision(d.action_id, d.kind, d.accepted) for d in decisions],
                opened_sessions=set(opened),
            )

    async def forget(self, session_id: str | None, conversation_ids: list[str]) -> int:
        """Erase a visitor's rows; how many."""
        erased = 0
        async with self.sessions.begin() as session:
            summaries = await session.scalars(
                select(TurnRow.summary).where(TurnRow.conversation_id.in_(conversation_ids))
            )
            actions = [a for summary in summaries for a in summary.get("actions", [])]
            owned: list[ColumnElement[bool]] = [DecisionRow.action_id.in_(actions)]
            if session_id:
                owned.append(DecisionRow.session_id == session_id)
                result = await session.execute(
                    delete(WidgetOpenRow).where(WidgetOpenRow.session_id == session_id)
                )
                erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
            result = await session.execute(delete(DecisionRow).where(or_(*owned)))
            erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
            for table in (TurnRow, RatingRow):
                matches: list[ColumnElement[bool]] = [table.conversation_id.in_(conversation_ids)]
                if session_id:
                    matches.append(table.session_id == session_id)
                result = await session.execute(delete(table).where(or_(*matches)))
                erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return erased

    async def sweep(self, before: datetime) -> int:
        """Forget everything older than the retention period; how many rows."""
        removed = 0
        async with self.sessions.begin() as session:
            for table in KEPT:
                result = await session.execute(delete(table).where(table.created_at < before))
                removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return removed
