import logging
from typing import Annotated

from copilot_service_defaults.telemetry import current_trace_id
from fastapi import APIRouter, Depends, Header, Path
from sse_starlette import EventSourceResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.relay import relay_turn
from copilot_gateway.routes.guards import RateLimits, SessionGuard, require_json
from copilot_gateway.routes.schemas import ChatRequest, ErrorBody
from copilot_gateway.turns import resume_turn, start_turn

log = logging.getLogger(__name__)

SSE_DESCRIPTION = (
    "A `text/event-stream` of events: `meta` {conversation_id, turn_id, trace_id}, "
    "`delta` {text}, `tool` {name, status}, `citation` {title, url, snippet}, "
    "`confirmation` {action_id, summary, expires_at}, then `done` {usage} or `error` "
    "{code, message}. Each event from the turn has an `id`: its number in the turn."
)
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
TurnId = Annotated[
    str, Path(pattern=r"^[a-f0-9]{32}$", description="The turn's id, from its `meta` event.")
]


def chat_router(
    bus: GatewayBus, guard: SessionGuard, limits: RateLimits, turn_timeout_s: float
) -> APIRouter:
    router = APIRouter(tags=["chat"])

    @router.post(
        "/api/chat",
        dependencies=[Depends(require_json), Depends(limits.chat)],
        response_class=EventSourceResponse,
        responses={
            200: {"content": {"text/event-stream": {}}, "description": SSE_DESCRIPTION},
            **{s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)},
        },
    )
    async def chat(
        body: ChatRequest, session: Annotated[Session, Depends(guard)]
    ) -> EventSourceResponse:
        """Send the visitor's message; the answer streams back as Server-Sent Events."""
        turn, events = await start_turn(
            bus, session, body.message, body.conversation_id, turn_timeout_s, body.request_id
        )
        return EventSourceResponse(
            relay_turn(bus, events, turn, current_trace_id()), ping=15, headers=SSE_HEADERS
        )

    @router.get(
        "/api/chat/turns/{turn_id}/events",
        dependencies=[Depends(limits.api)],
        response_class=EventSourceResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "The turn's events after `Last-Event-ID`, as `/api/chat` "
                "sends them (without `meta`), until `done` or `error`.",
            },
            **{s: {"model": ErrorBody} for s in (401, 403, 404, 422, 429, 503)},
        },
    )
    async def resume(
        turn_id: TurnId,
        session: Annotated[Session, Depends(guard)],
        last_event_id: Annotated[
            int,
            Header(
                alias="Last-Event-ID",
                ge=0,
                description="The `id` of the last event received; 0 or none: from the start.",
            ),
        ] = 0,
    ) -> EventSourceResponse:
        """Resume an answer whose stream was cut (a dropped connection, a gateway that
        restarted), from any gateway replica, while the turn runs and for 10 minutes after."""
        turn, events = await resume_turn(bus, session, turn_id, last_event_id, turn_timeout_s)
        return EventSourceResponse(
            relay_turn(bus, events, turn, current_trace_id(), announce=False),
            ping=15,
            headers=SSE_HEADERS,
        )

    return router
