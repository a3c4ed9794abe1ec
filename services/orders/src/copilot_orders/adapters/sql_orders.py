"""Orders and the catalog in SQL (SQLite by default, PostgreSQL in production)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from copilot_contracts.tools import CreateOrderRequest, CreateOrderResult, OrderLine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from copilot_orders.adapters.tables import Base, OrderLineRow, OrderRow, ProductRow
from copilot_orders.domain.catalog import OrderRejected, Product
from copilot_orders.domain.drafting import draft_order

CURRENCY = "USD"


def make_engine(url: str, pool_size: int, max_overflow: int) -> AsyncEngine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url)
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
    )


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _amount(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _request_hash(request: CreateOrderRequest) -> str:
    return hashlib.sha256(request.args.model_dump_json().encode()).hexdigest()


def _to_result(row: OrderRow) -> CreateOrderResult:
    return CreateOrderResult(
        order_id=row.id,
        status=row.status,
        lines=[
            OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                grind=line.grind,
                unit_price=_amount(line.unit_price_cents),
                line_total=_amount(line.line_total_cents),
            )
            for line in row.lines
        ],
        total=_amount(row.total_cents),
        currency=row.currency,
        expires_at=row.expires_at,
    )


class SqlOrders:
    def __init__(self, engine: AsyncEngine, confirmation_ttl: timedelta) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.confirmation_ttl = confirmation_ttl

    async def create_schema(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)

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
                    price=_amount(r.price_cents),
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
