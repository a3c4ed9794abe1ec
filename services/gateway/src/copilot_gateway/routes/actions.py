"""The visitor's Confirm and Cancel on a prepared order: nothing changes without them."""

import logging
from typing import Annotated, Any, Literal

from copilot_service_defaults.durable_requests import NoReplyError
from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import RateLimits, SessionGuard
from copilot_gateway.routes.schemas import ActionResult, ErrorBody

log = logging.getLogger(__name__)

ActionId = Annotated[str, Path(pattern=r"^EO-[0-9A-F]{8}$", description="The order number.")]
_STATUS_BY_CODE = {
    "action_not_found": 404,
    "already_confirmed": 409,
    "already_cancelled": 409,
    "already_decided": 409,
    "action_expired": 409,
    "orders_unavailable": 503,
}
_MESSAGES = {
    "confirmed": "Thank you! Order {order_id} is confirmed: {summary}.",
    "fulfilled": "Order {order_id} is confirmed and on its way: {summary}.",
    "cancelled": "Order {order_id} is cancelled; nothing will be charged or sent.",
    "pending_confirmation": "Order {order_id} awaits your confirmation: {summary}.",
    "expired": "Order {order_id} expired before it was confirmed; please ask again.",
}


def _describe(order_id: str, status: str, lines: list[dict[str, Any]], total: str) -> str:
    summary = ", ".join(f"{line['quantity']} × {line['name']}" for line in lines)
    return _MESSAGES[status].format(order_id=order_id, summary=f"{summary}, total {total}")


def actions_router(
    bus: GatewayBus, guard: SessionGuard, limits: RateLimits, timeout_s: float
) -> APIRouter:
    router = APIRouter(tags=["actions"], dependencies=[Depends(limits.api)])
    errors: dict[int | str, dict[str, Any]] = {
        s: {"model": ErrorBody} for s in (401, 403, 404, 409, 429, 503)
    }

    async def decide(
        action_id: str, session: Session, decision: Literal["confirm", "cancel"]
    ) -> JSONResponse:
        try:
            reply = await bus.decide_order(action_id, session.session_id, decision, timeout_s)
        except NoReplyError:
            # Stored in JetStream: it will be applied; the visitor may check again shortly.
            body = {"action_id": action_id, "status": "processing", "message": "Processing…"}
            return JSONResponse(body, status_code=202)
        except Exception as exc:
            log.warning("could not send a decision: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "Please try again in a moment.") from exc
        if (error := reply.get("error")) is not None:
            status = _STATUS_BY_CODE.get(error["code"], 500)
            raise ApiError(status, error["code"], error["message"])
        order = reply["result"]
        total = f"{order['total']} {order['currency']}"
        message = _describe(action_id, order["status"], order["lines"], total)
        result = ActionResult(action_id=action_id, status=order["status"], message=message)
        return JSONResponse(result.model_dump())

    @router.get("/api/actions/{action_id}", response_model=ActionResult, responses=errors)
    async def status(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> ActionResult:
        """Where the visitor's order stands (e.g. after a 202 while it was processed)."""
        try:
            order = await bus.visitor_order(action_id, session.session_id)
        except Exception as exc:
            log.warning("could not look up an order: %s", type(exc).__name__)
            raise ApiError(503, "orders_unavailable", "Please try again in a moment.") from exc
        if order is None:
            raise ApiError(404, "action_not_found", "No such order of yours.")
        lines = [line.model_dump(mode="json") for line in order.lines]
        message = _describe(action_id, order.status, lines, f"{order.total} {order.currency}")
        return ActionResult(action_id=action_id, status=order.status, message=message)

    @router.post("/api/actions/{action_id}/confirm", response_model=ActionResult, responses=errors)
    async def confirm(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> JSONResponse:
        """Place the prepared order: only the visitor session that prepared it may."""
        return await decide(action_id, session, "confirm")

    @router.post("/api/actions/{action_id}/cancel", response_model=ActionResult, responses=errors)
    async def cancel(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> JSONResponse:
        """Drop the prepared order."""
        return await decide(action_id, session, "cancel")

    return router
