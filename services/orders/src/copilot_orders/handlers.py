"""Bus handlers: decode the request, call the domain, reply.

Preparing and deciding orders change state: they come from JetStream and are acknowledged
only after the database commit (a crash before that means a redelivery, and the
idempotency key or the order's state makes the repeat harmless)."""

import logging
from typing import Annotated, Any

from copilot_contracts import subjects
from copilot_contracts.orders import OrderDecisionRequested, OrdersFound, OrdersQuery
from copilot_contracts.privacy import OrdersPersonalDataErased, PersonalDataErasureRequested
from copilot_contracts.replies import INVALID_REQUEST, ErrorReply
from copilot_contracts.tools import CreateOrderRequest, CreateOrderResult, ToolReply
from copilot_service_defaults.bus_payloads import DocumentedAs
from copilot_service_defaults.durable_requests import answer
from copilot_service_defaults.failpoints import failpoint
from copilot_service_defaults.validation import validation_summary
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from pydantic import Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from copilot_orders.adapters.order_views import find_orders
from copilot_orders.adapters.outbox_relay import OutboxRelay
from copilot_orders.adapters.personal_data import erase_personal_data
from copilot_orders.adapters.sql_orders import SqlOrders
from copilot_orders.domain.catalog import OrderRejected

log = logging.getLogger(__name__)

ACTIONS = JStream(name=subjects.ACTIONS_STREAM, declare=False)
# Quick work: an unacknowledged request is redelivered after a few seconds, so a replica
# that died mid-way costs the visitor little; backoff spaces out later attempts.
DURABLE = ConsumerConfig(ack_wait=5.0, max_deliver=5, backoff=[5.0, 10.0, 30.0, 60.0])
FAILED = ToolReply[CreateOrderResult].failed(
    "internal_error", "Something went wrong with this order; nothing was changed."
)
UNAVAILABLE = ToolReply[CreateOrderResult].failed(
    "orders_unavailable", "Ordering is unavailable right now; please try again in a few minutes."
)
CreateOrderBody = Annotated[
    Any, DocumentedAs(CreateOrderRequest), Field(title="CreateOrderRequest")
]
DecisionBody = Annotated[
    Any, DocumentedAs(OrderDecisionRequested), Field(title="OrderDecisionRequested")
]
QueryBody = Annotated[Any, DocumentedAs(OrdersQuery), Field(title="OrdersQuery")]
ErasureBody = Annotated[
    Any, DocumentedAs(PersonalDataErasureRequested), Field(title="PersonalDataErasureRequested")
]


def build_router(orders: SqlOrders, relay: OutboxRelay, workers: int = 4) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(
        subjects.TOOL_ORDERS_CREATE,
        stream=ACTIONS,
        durable="orders-create",
        pull_sub=PullSub(batch_size=workers, timeout=5.0),
        max_workers=workers,
        ack_policy=AckPolicy.MANUAL,
        config=DURABLE,
    )
    async def create_order(body: CreateOrderBody, msg: NatsMessage, broker: NatsBroker) -> None:
        """The model's createOrder tool call: prepares an order awaiting the visitor's
        confirmation. Answers a ToolReply[CreateOrderResult] on the inbox its
        Copilot-Reply-To header names, once committed (a repeat gets the first answer)."""
        try:
            reply = await _prepare(orders, body)
        except Exception:  # never leave a request unanswered and redelivered for nothing
            log.exception("preparing an order failed")
            reply = FAILED
        await answer(broker, msg, reply)

    @router.subscriber(
        subjects.ORDERS_ORDER_DECIDE,
        stream=ACTIONS,
        durable="orders-decide",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        config=DURABLE,
    )
    async def decide_order(body: DecisionBody, msg: NatsMessage, broker: NatsBroker) -> None:
        """The visitor's confirm or cancel of a prepared order; only its session may. Answers
        a ToolReply[CreateOrderResult] on the inbox its Copilot-Reply-To header names."""
        try:
            reply = await _decide(orders, body)
        except Exception:
            log.exception("deciding on an order failed")
            reply = FAILED
        if reply.result is not None and reply.result.status == "confirmed":
            relay.wake()
        await answer(broker, msg, reply)

    @router.subscriber(subjects.ORDERS_ORDER_QUERY, queue="orders")
    async def query_orders(body: QueryBody) -> OrdersFound | ErrorReply:
        """Request/reply: the orders that match, as OrdersFound; an ErrorReply to a query it
        cannot read."""
        try:
            query = OrdersQuery.model_validate(body)
        except ValidationError as exc:
            return ErrorReply.of(INVALID_REQUEST, validation_summary(exc))
        return OrdersFound(orders=await find_orders(orders.sessions, query))

    @router.subscriber(subjects.ORDERS_PERSONAL_DATA_ERASE, queue="orders")
    async def erase(body: ErasureBody) -> OrdersPersonalDataErased | ErrorReply:
        """Request/reply: erases the customer's name, email and note from the visitor's
        orders, answering OrdersPersonalDataErased; an ErrorReply to a request it cannot
        read."""
        try:
            request = PersonalDataErasureRequested.model_validate(body)
        except ValidationError as exc:
            return ErrorReply.of(INVALID_REQUEST, validation_summary(exc))
        count = await erase_personal_data(
            orders.sessions, request.session_id, request.conversation_ids
        )
        log.info("personal data erased from %d orders", count)
        return OrdersPersonalDataErased(orders=count)

    return router


async def _prepare(orders: SqlOrders, body: Any) -> ToolReply[CreateOrderResult]:
    try:
        request = CreateOrderRequest.model_validate(body)
    except ValidationError as exc:
        return ToolReply.failed("invalid_arguments", validation_summary(exc))
    try:
        result = await orders.create_pending(request)
    except OrderRejected as rejected:
        log.info("order rejected: %s", rejected.code)
        return ToolReply.failed(rejected.code, rejected.message)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("orders database unavailable: %s", type(exc).__name__)
        return UNAVAILABLE
    failpoint("orders.after_commit")
    log.info("order %s awaiting confirmation", result.order_id)
    return ToolReply.ok(result)


async def _decide(orders: SqlOrders, body: Any) -> ToolReply[CreateOrderResult]:
    try:
        request = OrderDecisionRequested.model_validate(body)
    except ValidationError as exc:
        return ToolReply.failed("invalid_request", validation_summary(exc))
    try:
        result = await orders.decide(
            request.order_id, request.session_id, request.decision, request_id=request.id
        )
    except OrderRejected as rejected:
        return ToolReply.failed(rejected.code, rejected.message)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("orders database unavailable: %s", type(exc).__name__)
        return UNAVAILABLE
    log.info("order %s %s", result.order_id, result.status)
    return ToolReply.ok(result)
