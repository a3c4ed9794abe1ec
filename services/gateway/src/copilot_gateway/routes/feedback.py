"""Thumbs up or down on an answer: recorded as an event for the team's insights."""

import logging
from typing import Annotated

from copilot_contracts import subjects
from copilot_contracts.chat import ChatFeedbackGiven
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.metrics import FEEDBACK
from copilot_gateway.routes.guards import RateLimits, SessionGuard, require_json
from copilot_gateway.routes.schemas import ErrorBody, FeedbackRequest

log = logging.getLogger(__name__)


def feedback_router(bus: GatewayBus, guard: SessionGuard, limits: RateLimits) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    @router.post(
        "/api/feedback",
        status_code=202,
        dependencies=[Depends(require_json), Depends(limits.api)],
        responses={s: {"model": ErrorBody} for s in (400, 401, 403, 404, 413, 415, 422, 429, 503)},
    )
    async def give_feedback(
        body: FeedbackRequest, session: Annotated[Session, Depends(guard)]
    ) -> JSONResponse:
        """Rate one of your answers (its `turn_id` from the `meta` event), with an optional
        comment."""
        try:
            turn = await bus.turn(body.turn_id)
            if turn is None or turn.session_id != session.session_id:
                raise ApiError(404, "turn_not_found", "No such answer of yours.")
            event = ChatFeedbackGiven(
                session_id=session.session_id,
                conversation_id=turn.conversation_id,
                turn_id=body.turn_id,
                rating=body.rating,
                comment=body.comment,
            )
            await bus.record(event, subjects.CHAT_FEEDBACK_GIVEN, event.id)
        except ApiError:
            raise
        except Exception as exc:
            log.warning("could not record feedback: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "Please try again in a moment.") from exc
        FEEDBACK.labels(body.rating).inc()
        return JSONResponse({"status": "recorded"}, status_code=202)

    return router
