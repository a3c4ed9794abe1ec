"""The visitor's Confirm and Cancel on a prepared order or report: nothing changes without
them. Orders are numbered EO-…, reports GH-…; each goes to the service that holds it."""

import logging
from typing import Annotated, Any, Literal

from copilot_contracts import subjects
from copilot_contracts.chat import ConfirmationAnswered
from copilot_service_defaults.durable_requests import NoReplyError
from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.action_messages import describe_issue, describe_order
from copilot_gateway.routes.guards import RateLimits, SessionGuard
from copilot_gateway.routes.schemas import ActionResult, ErrorBody

log = logging.getLogger(__name__)

ActionId = Annotated[
    str,
    Path(
        pattern=r"^(EO-[0-9A-F]{8}|GH-[0-9A-F]{12})$",
        description="The order number (EO-…) or the report number (GH-…).",
    ),
]
_STATUS_BY_CODE = {
    "action_not_found": 404,
    "already_confirmed": 409,
    "already_cancelled": 409,
    "already_decided": 409,
    "action_expired": 409,
    "orders_unavailable": 503,
    "github_error": 502,
    "invalid_request": 422,
}
UNAVAILABLE = "Please try again in a moment."


def _is_report(action_id: str) -> bool:
    return action_id.startswith("GH-")


def _result(action_id: str, outcome: dict[str, Any]) -> ActionResult:
    if _is_report(action_id):
        # A report being sent is followed like any decision still being applied.
        status = "processing" if outcome["status"] == "sending" else outcome["status"]
        return ActionResult(action_id=action_id, status=status, message=describe_issue(outcome))
    total = f"{outcome['total']} {outcome['currency']}"
    message = describe_order(action_id, outcome["status"], outcome["lines"], total)
    return ActionResult(action_id=action_id, status=outcome["status"], message=message)


def actions_router(
    bus: GatewayBus, guard: SessionGuard, limits: RateLimits, timeout_s: float
) -> APIRouter:
    router = APIRouter(tags=["actions"], dependencies=[Depends(limits.api)])
    errors: dict[int | str, dict[str, Any]] = {
        s: {"model": ErrorBody} for s in (401, 403, 404, 409, 422, 429, 502, 503)
    }

    async def decide(
        action_id: str, session: Session, decision: Literal["confirm", "cancel"]
    ) -> JSONResponse:
        send = bus.decide_issue if _is_report(action_id) else bus.decide_order
        try:
            reply = await send(action_id, session.session_id, decision, timeout_s)
        except NoReplyError:
            # Stored in JetStream: it will be applied; the visitor may check again shortly.
            # (Not counted for the insights: it may yet be refused, e.g. as expired.)
            body = {"action_id": action_id, "status": "processing", "message": "Processing…"}
            return JSONResponse(body, status_code=202)
        except Exception as exc:
            log.warning("could not send a decision: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", UNAVAILABLE) from exc
        if (error := reply.get("error")) is not None:
            status = _STATUS_BY_CODE.get(error["code"], 502)  # the service failed
            raise ApiError(status, error["code"], error["message"])
        await answered(action_id, session, decision)
        return JSONResponse(_result(action_id, reply["result"]).model_dump())

    async def answered(
        action_id: str, session: Session, decision: Literal["confirm", "cancel"]
    ) -> None:
        """For the insights: the visitor accepted or declined what was prepared. The
        decision stands either way; a lost event only leaves it out of the figures."""
        accepted = decision == "confirm"
        event = ConfirmationAnswered(
            session_id=session.session_id,
            action_id=action_id,
            kind="issue" if _is_report(action_id) else "order",
            decision="accepted" if accepted else "declined",
        )
        subject = (
            subjects.CHAT_CONFIRMATION_ACCEPTED if accepted else subjects.CHAT_CONFIRMATION_DECLINED
        )
        try:
            await bus.record(event, subject, f"confirmation-{action_id}")
        except Exception as exc:
            log.warning("a confirmation's answer not recorded: %s", type(exc).__name__)

    @router.get("/api/actions/{action_id}", response_model=ActionResult, responses=errors)
    async def status(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> ActionResult:
        """Where the visitor's order or report stands (e.g. after a 202 while it was
        processed)."""
        try:
            if _is_report(action_id):
                reply = await bus.visitor_issue(action_id, session.session_id)
                outcome = reply.get("result")
            else:
                order = await bus.visitor_order(action_id, session.session_id)
                outcome = None if order is None else order.model_dump(mode="json")
        except Exception as exc:
            log.warning("could not look up an action: %s", type(exc).__name__)
            raise ApiError(503, "orders_unavailable", UNAVAILABLE) from exc
        if outcome is None:
            raise ApiError(404, "action_not_found", "No such order or report of yours.")
        return _result(action_id, outcome)

    @router.post("/api/actions/{action_id}/confirm", response_model=ActionResult, responses=errors)
    async def confirm(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> JSONResponse:
        """Place the prepared order, or send the prepared report: only the visitor session
        that prepared it may."""
        return await decide(action_id, session, "confirm")

    @router.post("/api/actions/{action_id}/cancel", response_model=ActionResult, responses=errors)
    async def cancel(
        action_id: ActionId, session: Annotated[Session, Depends(guard)]
    ) -> JSONResponse:
        """Drop the prepared order or report."""
        return await decide(action_id, session, "cancel")

    return router
