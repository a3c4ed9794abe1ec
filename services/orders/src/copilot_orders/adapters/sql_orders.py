"""Orders and the catalog in SQL (SQLite by default, PostgreSQL in production)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from copilot_contracts import subjects
from copilot_contracts.orders import OrderPlaced
from copilot_contracts.tools import CreateOrderRequest, CreateOrderResult, OrderLine
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from copilot_orders.adapters.schema import migrate
from copilot_orders.adapters.tables import OrderLineRow, OrderRow, OutboxRow, ProductRow
from copilot_orders.domain.catalog import OrderRejected, Product
from copilot_orders.domain.drafting import draft_order
from copilot_orders.domain.lifecycle import Decision, OrderState, decide

CURRENCY = "USD"


def make_engine(
    url: str, pool_size: int, max_overflow: int, timeout_s: float | None = None
) -> AsyncEngine:
    """With `timeout_s`, a PostgreSQL server that does not answer (a network that drops
    packets, a server that hangs) fails a connection or a statement after that long, as a
    refused connection would at once, instead of holding the request for ever."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url)
    limits = {"timeout": timeout_s, "command_timeout": timeout_s} if timeout_s else {}
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args=limits,
    )


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def amount(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _request_hash(request: CreateOrderRequest) -> str:
    return hashlib.sha256(request.args.model_dump_json().encode()).hexdigest()


def order_lines(row: OrderRow) -> list[OrderLine]:
    return [
        OrderLine(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            grind=line.grind,
            unit_price=amount(line.unit_price_cents),
            line_total=amount(line.line_total_cents),
        )
        for line in row.lines
    ]


def _to_result(row: OrderRow) -> CreateOrderResult:
    return CreateOrderResult(
        order_id=row.id,
        status=row.status,
        lines=order_lines(row),
        total=amount(row.total_cents),
        currency=row.currency,
        expires_at=row.expires_at,
    )


class SqlOrders:
    def __init__(self, engine: AsyncEngine, confirmation_ttl: timedelta) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.confirmation_ttl = confirmation_ttl

    async def create_schema(self) -> None:
        await migrate(self.engine)

    async def seed_catalog(self, products: list[Product]) -> None:
        """Add catalog products that are missing; existing rows (stock, prices) are kept."""
        async with self.sessions.begin() as session:
            known = set(await session.scalars(select(ProductRow.sku)))
            for p in products:
                if p.sku not in known:
                    session.add(
                        ProductRow(
                            sku=p.sku,
                            name=p.name,
                            category=p.category,
                            description=p.description,
                            price_cents=_cents(p.price),
                            stock=p.stock,
                            options=p.options,
                        )
                    )

    async def products(self) -> list[Product]:
        async with self.sessions() as session:
            rows = await session.scalars(select(ProductRow).order_by(ProductRow.sku))
            return [
                Product(
                    sku=r.sku,
                    name=r.name,
                    category=r.category,
                    description=r.description,
                    price=amount(r.price_cents),
                    stock=r.stock,
                    options=r.options,
                )
                for r in rows
            ]

    async def _existing(self, request: CreateOrderRequest) -> CreateOrderResult | None:
        async with self.sessions() as session:
            row = await session.scalar(
                select(OrderRow).where(OrderRow.idempotency_key == request.idempotency_key)
            )
            if row is None:
                return None
            if row.request_hash != _request_hash(request):
                raise OrderRejected(
                    "idempotency_conflict",
                    "This request repeats an earlier one with different contents.",
                )
            return _to_result(row)

    async def create_pending(self, request: CreateOrderRequest) -> CreateOrderResult:
        """Draft and store an order awaiting the visitor's confirmation, once per key."""
        if (earlier := await self._existing(request)) is not None:
            return earlier
        draft = draft_order(await self.products(), request.args)
        now = datetime.now(UTC)
        row = OrderRow(
            id=f"EO-{secrets.token_hex(4).upper()}",
            status="pending_confirmation",
            customer_name=request.args.customer.name,
            customer_email=request.args.customer.email,
            note=request.args.note,
            total_cents=_cents(draft.total),
            currency=CURRENCY,
            conversation_id=request.conversation_id,
            session_id=request.session_id,
            idempotency_key=request.idempotency_key,
            request_hash=_request_hash(request),
            created_at=now,
            expires_at=now + self.confirmation_ttl,
            lines=[
                OrderLineRow(
                    sku=line.sku,
                    name=line.name,
                    quantity=line.quantity,
                    grind=line.grind,
                    unit_price_cents=_cents(line.unit_price),
                    line_total_cents=_cents(line.line_total),
                )
                for line in draft.lines
            ],
        )
        try:
            async with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            # A concurrent delivery of the same request won the race: answer with its order.
            if (earlier := await self._existing(request)) is not None:
                return earlier
            raise
        return _to_result(row)

    async def decide(
        self,
        order_id: str,
        session_id: str,
        decision: Decision,
        now: datetime | None = None,
        request_id: str | None = None,
    ) -> CreateOrderResult:
        """Confirm or cancel a pending order. A confirmation writes its OrderPlaced event to
        the outbox in the same transaction, so the event is never lost nor sent for nothing."""
        now = now or datetime.now(UTC)
        async with self.sessions.begin() as session:
            row = await session.get(OrderRow, order_id)
            if row is not None and request_id and row.decision_id == request_id:
                return _to_result(row)  # this very request decided it: a redelivery
            new_status = decide(None if row is None else _state(row), session_id, decision, now)
            if row is None:
                raise AssertionError("unreachable: decide() refuses a missing order")
            # Only a still-pending order changes: of two decisions racing, one wins.
            changed = await session.execute(
                update(OrderRow)
                .where(OrderRow.id == order_id, OrderRow.status == "pending_confirmation")
                .values(status=new_status, decided_at=now, decision_id=request_id)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise OrderRejected("already_decided", "This order was just decided elsewhere.")
            result = _to_result(row).model_copy(update={"status": new_status})
            if new_status == "confirmed":
                session.add(_placed_event(row, result, now))
            return result

    async def expire_pending(self, now: datetime | None = None) -> int:
        """Pending orders past their confirmation deadline become `expired`."""
        async with self.sessions.begin() as session:
            expired = await session.execute(
                update(OrderRow)
                .where(OrderRow.status == "pending_confirmation")
                .where(OrderRow.expires_at <= (now or datetime.now(UTC)))
                .values(status="expired")
            )
            return int(expired.rowcount or 0)  # type: ignore[attr-defined]


def _state(row: OrderRow) -> OrderState:
    return OrderState(row.id, row.status, row.session_id, row.expires_at)  # type: ignore[arg-type]


def _placed_event(row: OrderRow, result: CreateOrderResult, now: datetime) -> OutboxRow:
    event = OrderPlaced(
        order_id=row.id,
        conversation_id=row.conversation_id,
        lines=result.lines,
        total=result.total,
        currency=row.currency,
        created_at=now,
    )
    return OutboxRow(
        id=event.id,
        subject=subjects.ORDERS_ORDER_PLACED,
        payload=event.model_dump_json(),
        created_at=now,
    )
