"""Starting a chat turn on the bus and following its events: shared by every chat API."""

import asyncio
import hashlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
from copilot_contracts.chat import (
    TERMINAL_EVENT_TYPES,
    ChatTurnRequested,
    ErrorEvent,
    MetaEvent,
    TurnEvent,
    TurnRecord,
)
from copilot_contracts.envelope import new_id
from copilot_contracts.streams import CHAT_TURNS

from copilot_gateway.adapters.bus import GatewayBus, TurnEvents, TurnRef
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.metrics import TurnMeter

log = logging.getLogger(__name__)
UNAVAILABLE = "The chat is unavailable; try again."


async def start_turn(
    bus: GatewayBus,
    session: Session,
    message: str,
    conversation_id: str | None,
    timeout_s: float,
    request_id: str | None = None,
) -> tuple[ChatTurnRequested, TurnEvents]:
    """Check or open the conversation, record whose turn it is, subscribe to its events,
    then publish it.

    The record (which lets a visitor who learns the turn's id in `meta` resume it from any
    replica, and no one else) is written before the turn is published. With the sender's
    `request_id`, the same message sent again (its answer's stream was cut before `meta`)
    is the same turn, found by that record however early the first attempt died: followed
    again from its first event, never started twice."""
    turn_id = turn_id_for(session.session_id, request_id) if request_id else new_id()
    try:
        if request_id and (taken := await bus.turn(turn_id)) is not None:
            return await _sent_again(bus, session, message, taken, timeout_s)
        turn = ChatTurnRequested(
            conversation_id=await _conversation(bus, session, conversation_id),
            turn_id=turn_id,
            session_id=session.session_id,
            consent=session.consent,
            message=message,
            deadline=datetime.now(UTC) + timedelta(seconds=timeout_s),
        )
        if not await bus.claim_turn(turn):  # the same message, sent twice at once
            taken = await bus.turn(turn_id)
            if taken is None:
                raise RuntimeError("a claimed turn without its record")
            return await _sent_again(bus, session, message, taken, timeout_s)
        events = await bus.follow(turn.turn_id)
    except ApiError:
        raise
    except Exception as exc:
        log.warning("bus unavailable: %s", type(exc).__name__)
        raise ApiError(503, "bus_unavailable", UNAVAILABLE) from exc
    await _publish(bus, turn, events)
    _watch(bus, events, turn)
    return turn, events


async def _conversation(bus: GatewayBus, session: Session, conversation_id: str | None) -> str:
    """The session's own conversation `conversation_id`, or a new one."""
    if conversation_id:
        record = await bus.conversation(conversation_id)
        if record is None or record.session_id != session.session_id:
            raise ApiError(404, "conversation_not_found", "No such conversation.")
        return conversation_id
    conversation_id = new_id()
    await bus.start_conversation(conversation_id, session.session_id)
    return conversation_id


_watchdogs: set[asyncio.Task[None]] = set()
ABANDON_GRACE_S = 5.0


@dataclass(frozen=True)
class ResumedTurn:
    conversation_id: str
    turn_id: str
    deadline: datetime


async def resume_turn(
    bus: GatewayBus, session: Session, turn_id: str, after_seq: int, timeout_s: float
) -> tuple[ResumedTurn, TurnEvents]:
    """The visitor's own turn, to follow again from after event number `after_seq`."""
    try:
        record = await bus.turn(turn_id)
        if record is None or record.session_id != session.session_id:
            raise ApiError(404, "turn_not_found", "No such turn of yours.")
        deadline = record.deadline or datetime.now(UTC) + timedelta(seconds=timeout_s)
        events = await bus.resume(turn_id, after_seq)
    except ApiError:
        raise
    except Exception as exc:
        log.warning("bus unavailable: %s", type(exc).__name__)
        raise ApiError(503, "bus_unavailable", UNAVAILABLE) from exc
    turn = ResumedTurn(record.conversation_id, turn_id, deadline)
    _watch(bus, events, turn)
    return turn, events


def turn_id_for(session_id: str, request_id: str) -> str:
    """The turn a session's message starts, the same each time it is sent."""
    return hashlib.sha256(f"{session_id}\n{request_id}".encode()).hexdigest()[:32]


async def _sent_again(
    bus: GatewayBus, session: Session, message: str, taken: TurnRecord, timeout_s: float
) -> tuple[ChatTurnRequested, TurnEvents]:
    """The turn a message already started, followed from its first event. If nothing of it
    was kept yet and JetStream would still drop a repeat (its duplicate window), it is
    published again, in case the first attempt died before publishing it."""
    if taken.session_id != session.session_id:
        raise ApiError(409, "request_id_taken", "Send the message with a new request_id.")
    now = datetime.now(UTC)
    deadline = taken.deadline or now + timedelta(seconds=timeout_s)
    turn = ChatTurnRequested(
        conversation_id=taken.conversation_id,
        turn_id=taken.turn_id,
        session_id=session.session_id,
        consent=session.consent,
        message=message,
        deadline=deadline,
    )
    events = await bus.resume(turn.turn_id, 0)
    published_by = deadline - timedelta(seconds=timeout_s)
    dropped_until = published_by + timedelta(seconds=CHAT_TURNS.duplicate_window_s)
    if not events.any_kept and now < min(deadline, dropped_until):
        await _publish(bus, turn, events)
    _watch(bus, events, turn)
    return turn, events


async def _publish(bus: GatewayBus, turn: ChatTurnRequested, events: TurnEvents) -> None:
    try:
        await bus.publish_turn(turn)
    except Exception as exc:
        await events.close()
        log.warning("could not publish a turn: %s", type(exc).__name__)
        raise ApiError(503, "bus_unavailable", UNAVAILABLE) from exc


def _watch(bus: GatewayBus, events: TurnEvents, turn: TurnRef) -> None:
    watchdog = asyncio.create_task(_close_if_abandoned(bus, events, turn))
    _watchdogs.add(watchdog)  # asyncio keeps only weak references to tasks
    watchdog.add_done_callback(_watchdogs.discard)
    events.watchdog = watchdog


async def _close_if_abandoned(bus: GatewayBus, events: TurnEvents, turn: TurnRef) -> None:
    """A caller that left before reading anything never starts `follow_turn`, whose cleanup
    would then never run: past the turn's deadline, close and cancel it here."""
    try:
        remaining = (turn.deadline - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(max(remaining, 0) + ABANDON_GRACE_S)
        if not events.closed:
            log.info("turn abandoned before its answer was read")
            await events.close()
            await bus.cancel_turn(turn, reason="abandoned")
    except Exception as exc:  # the bus may be gone; the subscription dies with it
        log.warning("could not clean up an abandoned turn: %s", type(exc).__name__)


async def follow_turn(
    bus: GatewayBus,
    events: TurnEvents,
    turn: TurnRef,
    trace_id: str,
    announce: bool = True,
) -> AsyncGenerator[TurnEvent, None]:
    """`meta` (unless resuming: `announce` False), then the turn's events until it ends; a
    caller who leaves early (even before the first event) cancels the turn.

    `events` is subscribed before the turn is published, so no early event is missed; its
    `last_seq` is the number of the last event passed on, and events up to it are dropped
    (repeats after a redelivery, or those a resuming visitor already has)."""
    finished = False
    reason = "client_disconnected"
    meter = TurnMeter()
    try:
        if announce:
            yield MetaEvent(
                conversation_id=turn.conversation_id, turn_id=turn.turn_id, trace_id=trace_id
            )
        while True:
            remaining = (turn.deadline - datetime.now(UTC)).total_seconds()
            # Past the deadline too: events kept for a resuming visitor still come first.
            published = await events.next(wait_s=max(remaining, 0))
            if published is None:
                reason = "timeout"
                meter.saw("error")
                yield ErrorEvent(code="timeout", message="No answer arrived in time.")
                return
            if published.seq <= events.last_seq:
                continue  # a repeat after redelivery, or an event the visitor has
            events.last_seq = published.seq
            meter.saw(published.event.type)
            yield published.event
            if published.event.type in TERMINAL_EVENT_TYPES:
                finished = True
                return
    finally:
        # Runs when the caller disconnects too: the stream is cancelled, so shield the cleanup.
        meter.finish()
        with anyio.CancelScope(shield=True):
            await events.close()
            if not finished:
                log.info("turn cancelled before it ended: %s", reason)
                await bus.cancel_turn(turn, reason=reason)
