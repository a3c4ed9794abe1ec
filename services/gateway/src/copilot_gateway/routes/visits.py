"""The widget tells when its visitor opens it: the insights' share of engaged sessions is
sessions that asked something over sessions that opened the widget."""

import logging
from typing import Annotated

from copilot_contracts import subjects
from copilot_contracts.chat import WidgetOpened
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import RateLimits, SessionGuard
from copilot_gateway.routes.schemas import ErrorBody

log = logging.getLogger(__name__)


def visits_router(bus: GatewayBus, guard: SessionGuard, limits: RateLimits) -> APIRouter:
    router = APIRouter(tags=["insights"])

    @router.post(
        "/api/widget/opened",
        status_code=202,
        dependencies=[Depends(limits.api)],
        responses={s: {"model": ErrorBody} for s in (401, 403, 429, 503)},
    )
    async def widget_opened(session: Annotated[Session, Depends(guard)]) -> JSONResponse:
        """The visitor opened the chat widget. A session counts once, however often it is
        opened (each page load of the visit may say so)."""
        event = WidgetOpened(session_id=session.session_id)
        try:
            await bus.record(
                event, subjects.CHAT_WIDGET_OPENED, f"widget-opened-{session.session_id}"
            )
        except Exception as exc:
            log.warning("could not record a widget opening: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "Please try again in a moment.") from exc
        return JSONResponse({"status": "recorded"}, status_code=202)

    return router
