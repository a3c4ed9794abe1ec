"""Bus handlers: decode the request, call the domain, reply."""

import logging
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.tools import CreateOrderRequest, CreateOrderResult, ToolReply
from copilot_service_defaults.validation import validation_summary
from faststream.nats import NatsRouter
from pydantic import ValidationError

from copilot_orders.adapters.sql_orders import SqlOrders
from copilot_orders.domain.catalog import OrderRejected

log = logging.getLogger(__name__)


def build_router(orders: SqlOrders) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(subjects.TOOL_ORDERS_CREATE, queue="orders")
    async def create_order(body: dict[str, Any]) -> ToolReply[CreateOrderResult]:
        try:
            request = CreateOrderRequest.model_validate(body)
        except ValidationError as exc:
            return ToolReply.failed("invalid_arguments", validation_summary(exc))
        try:
            result = await orders.create_pending(request)
        except OrderRejected as rejected:
            log.info("order rejected: %s", rejected.code)
            return ToolReply.failed(rejected.code, rejected.message)
        log.info("order %s awaiting confirmation", result.order_id)
        return ToolReply.ok(result)

    return router
