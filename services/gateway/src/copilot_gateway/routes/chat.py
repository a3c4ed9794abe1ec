import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from copilot_contracts.chat import ChatTurnRequested
from copilot_contracts.envelope import new_id
from copilot_service_defaults.telemetry import current_trace_id
from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.relay import relay_turn
from copilot_gateway.routes.guards import SessionGuard, require_json
from copilot_gateway.routes.schemas import ChatRequest, ErrorBody

log = logging.getLogger(__name__)

SSE_DESCRIPTION = (
    "A `text/event-stream` of events: `meta` {conversation_id, turn_id, trace_id}, "
    "`delta` {text}, `tool` {name, status}, `citation` {title, url, snippet}, "
    "`confirmation` {action_id, summary, expires_at}, then `done` {usage} or `error` "
    "{code, message}."
)


def chat_router(bus: GatewayBus, guard: SessionGuard, turn_timeout_s: float) -> APIRouter:
    router = APIRouter(tags=["chat"])

    @router.post(
        "/api/chat",
        dependencies=[Depends(require_json)],
        response_class=EventSourceResponse,
        responses={
            200: {"content": {"text/event-stream": {}}, "description": SSE_DESCRIPTION},
            **{s: {"model": ErrorBody} for s in (400, 401, 404, 415, 422, 503)},
        },
    )
    async def chat(
        body: ChatRequest, session: Annotated[Session, Depends(guard)]
    ) -> EventSourceResponse:
        """Send the visitor's message; the answer streams back as Server-Sent Events."""
        conversation_id = body.conversation_id or new_id()
        try:
            if body.conversation_id:
                record = await bus.conversation(body.conversation_id)
                if record is None or record.session_id != session.session_id:
                    raise ApiError(404, "conversation_not_found", "No such conversation.")
            else:
                await bus.start_conversation(conversation_id, session.session_id)
            turn = ChatTurnRequested(
                conversation_id=conversation_id,
                turn_id=new_id(),
                session_id=session.session_id,
                consent=session.consent,
                message=body.message,
                deadline=datetime.now(UTC) + timedelta(seconds=turn_timeout_s),
            )
            events = await bus.follow(turn.turn_id)
        except ApiError:
            raise
        except Exception as exc:
            log.warning("bus unavailable: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "The chat is unavailable; try again.") from exc
        try:
            await bus.publish_turn(turn)
        except Exception as exc:
            await events.close()
            log.warning("could not publish a turn: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "The chat is unavailable; try again.") from exc
        return EventSourceResponse(
            relay_turn(bus, events, turn, current_trace_id()),
            ping=15,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
