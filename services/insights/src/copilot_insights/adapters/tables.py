"""What the insights keep: turn summaries, ratings, confirmed orders, the visitors' answers
to confirmations, and the sessions that opened the widget."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Dialect, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class TurnRow(Base):
    __tablename__ = "turns"

    turn_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    variant: Mapped[str] = mapped_column(String(60))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The whole TurnAnswered event, the question already redacted (or absent)."""


class RatingRow(Base):
    __tablename__ = "ratings"

    feedback_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    turn_id: Mapped[str] = mapped_column(String(64))
    up: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ConfirmedOrderRow(Base):
    __tablename__ = "confirmed_orders"

    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    total: Mapped[float] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class DecisionRow(Base):
    __tablename__ = "decisions"

    action_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    """An action is answered once: a later answer to it is a redelivery or refused."""
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    accepted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class WidgetOpenRow(Base):
    __tablename__ = "widget_opens"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """A session counts once, however often its visitor opens the widget."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
