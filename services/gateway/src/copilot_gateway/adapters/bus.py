"""The gateway's side of the bus: publish turns, follow their events, own conversations."""

import asyncio
from collections import deque
from datetime import UTC, datetime
from typing import Any, Protocol

from copilot_contracts import subjects
from copilot_contracts.chat import (
    ChatTurnCancelled,
    ChatTurnRequested,
    ConversationRecord,
    TurnEventPublished,
    TurnRecord,
)
from copilot_contracts.issues import IssueDecisionRequested, IssueQuery
from copilot_contracts.orders import (
    OrderDecisionRequested,
    OrderDetails,
    OrdersFound,
    OrdersQuery,
)
from copilot_service_defaults.durable_requests import durable_request
from faststream.nats import NatsBroker
from nats.aio.subscription import Subscription
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel

# A turn streams a few dozen events; this bounds what a resume reads back.
MAX_KEPT_EVENTS = 2000


class TurnRef(Protocol):
    """What following and cancelling a turn need to know of it."""

    @property
    def conversation_id(self) -> str: ...

    @property
    def turn_id(self) -> str: ...

    @property
    def deadline(self) -> datetime: ...


class TurnEvents:
    """A subscription to one turn's events, opened before the turn is published; when a
    visitor resumes a turn, the events already kept in JetStream come first."""

    def __init__(
        self,
        subscription: Subscription,
        kept: list[TurnEventPublished] | None = None,
        last_seq: int = 0,
    ) -> None:
        self._subscription = subscription
        self._kept = deque(kept or ())
        self.last_seq = last_seq
        """The number of the last event passed on to the visitor."""
        self.closed = False
        self.watchdog: asyncio.Task[None] | None = None

    @property
    def any_kept(self) -> bool:
        """Whether events of the turn were kept before this subscription (it has begun)."""
        return bool(self._kept)

    async def next(self, wait_s: float) -> TurnEventPublished | None:
        if self._kept:
            return self._kept.popleft()
        try:
            msg = await self._subscription.next_msg(timeout=max(wait_s, 0.001))
        except (TimeoutError, NatsTimeoutError):
            return None
        return TurnEventPublished.model_validate_json(msg.data)

    async def close(self) -> None:
        if self.watchdog is not None and self.watchdog is not asyncio.current_task():
            self.watchdog.cancel()
        if not self.closed:
            self.closed = True
            await self._subscription.unsubscribe()


class GatewayBus:
    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker
        self._conversations: KeyValue | None = None

    def attach_conversations(self, bucket: KeyValue) -> None:
        self._conversations = bucket

    async def follow(self, turn_id: str) -> TurnEvents:
        subscription = await self.broker.connection.subscribe(subjects.chat_turn_events(turn_id))
        return TurnEvents(subscription)

    async def resume(self, turn_id: str, after_seq: int) -> TurnEvents:
        """The turn's events after number `after_seq`: those kept in COPILOT_TURN_EVENTS,
        then the rest as they come. Subscribed first, so that nothing published meanwhile is
        missed; an event read twice is dropped by its number (`follow_turn`)."""
        subject = subjects.chat_turn_events(turn_id)
        subscription = await self.broker.connection.subscribe(subject)
        try:
            kept = await self._kept_events(subject)
        except Exception:
            await subscription.unsubscribe()
            raise
        return TurnEvents(subscription, kept, last_seq=after_seq)

    async def _kept_events(self, subject: str) -> list[TurnEventPublished]:
        js = self.broker.connection.jetstream()
        kept: list[TurnEventPublished] = []
        seq = 1
        while len(kept) < MAX_KEPT_EVENTS:
            try:
                msg = await js.get_msg(
                    subjects.TURN_EVENTS_STREAM, seq=seq, subject=subject, next=True
                )
            except NotFoundError:  # no more of them (or none kept: NATS restarted)
                break
            kept.append(TurnEventPublished.model_validate_json(msg.data or b"{}"))
            seq = (msg.seq or seq) + 1
        return kept

    async def publish_turn(self, turn: ChatTurnRequested) -> None:
        # Nats-Msg-Id lets JetStream drop a second publish of the same turn.
        await self.broker.publish(
            turn,
            subjects.CHAT_TURN_REQUESTED,
            stream=subjects.CHAT_TURNS_STREAM,
            headers={"Nats-Msg-Id": turn.turn_id},
            timeout=5.0,
        )

    async def cancel_turn(self, turn: TurnRef, reason: str) -> None:
        cancelled = ChatTurnCancelled(
            conversation_id=turn.conversation_id, turn_id=turn.turn_id, reason=reason
        )
        await self.broker.publish(cancelled, subjects.CHAT_TURN_CANCELLED)

    @property
    def conversations(self) -> KeyValue:
        if self._conversations is None:
            raise RuntimeError("the bus is not connected yet")
        return self._conversations

    async def conversation(self, conversation_id: str) -> ConversationRecord | None:
        try:
            entry = await self.conversations.get(conversation_id)
        except KeyNotFoundError:
            return None
        return ConversationRecord.model_validate_json(entry.value or b"{}")

    async def claim_turn(self, turn: ChatTurnRequested) -> bool:
        """Record whose turn it is, unless it is recorded already (then False)."""
        record = TurnRecord(
            turn_id=turn.turn_id,
            conversation_id=turn.conversation_id,
            session_id=turn.session_id,
            deadline=turn.deadline,
        )
        try:
            await self.conversations.create(
                f"turn.{turn.turn_id}", record.model_dump_json().encode()
            )
        except KeyWrongLastSequenceError:
            return False
        return True

    async def turn(self, turn_id: str) -> TurnRecord | None:
        try:
            entry = await self.conversations.get(f"turn.{turn_id}")
        except KeyNotFoundError:
            return None
        return TurnRecord.model_validate_json(entry.value or b"{}")

    async def start_conversation(self, conversation_id: str, session_id: str) -> None:
        record = ConversationRecord(
            conversation_id=conversation_id, session_id=session_id, created_at=datetime.now(UTC)
        )
        await self.conversations.create(conversation_id, record.model_dump_json().encode())

    async def decide_order(
        self, order_id: str, session_id: str, decision: str, timeout_s: float
    ) -> dict[str, Any]:
        """The orders service's answer to the visitor's Confirm or Cancel (stored in
        JetStream first: a decision is never lost, even if the orders service is down)."""
        request = OrderDecisionRequested(
            order_id=order_id, session_id=session_id, decision=decision
        )
        return await self._decide(request, subjects.ORDERS_ORDER_DECIDE, timeout_s)

    async def decide_issue(
        self, action_id: str, session_id: str, decision: str, timeout_s: float
    ) -> dict[str, Any]:
        """The GitHub service's answer to the visitor's Send or Cancel on a report."""
        request = IssueDecisionRequested(
            action_id=action_id, session_id=session_id, decision=decision
        )
        return await self._decide(request, subjects.GITHUB_ISSUE_DECIDE, timeout_s)

    async def _decide(
        self,
        request: OrderDecisionRequested | IssueDecisionRequested,
        subject: str,
        timeout_s: float,
    ) -> dict[str, Any]:
        reply: dict[str, Any] = await durable_request(
            self.broker, request, subject, subjects.ACTIONS_STREAM, request.id, timeout_s
        )
        return reply

    async def visitor_issue(self, action_id: str, session_id: str) -> dict[str, Any]:
        """The visitor's own report, as {"result"} or {"error"}."""
        query = IssueQuery(action_id=action_id, session_id=session_id)
        response = await self.broker.request(query, subjects.GITHUB_ISSUE_QUERY, timeout=5.0)
        answer: dict[str, Any] = await response.decode()  # type: ignore[assignment]
        return answer

    async def visitor_order(self, order_id: str, session_id: str) -> OrderDetails | None:
        """The visitor's own order, or None (another session's order is not theirs to see)."""
        query = OrdersQuery(order_id=order_id, session_id=session_id, limit=1)
        response = await self.broker.request(query, subjects.ORDERS_ORDER_QUERY, timeout=5.0)
        found = OrdersFound.model_validate(await response.decode())
        return found.orders[0] if found.orders else None

    async def record(self, event: BaseModel, subject: str, message_id: str) -> None:
        """Store a visitor's act in COPILOT_CHAT_EVENTS for the insights; `message_id` lets
        JetStream drop a repeat of the same act."""
        await self.broker.publish(
            event,
            subject,
            stream=subjects.CHAT_EVENTS_STREAM,
            headers={"Nats-Msg-Id": message_id},
            timeout=5.0,
        )

    async def connected(self) -> bool:
        return bool(await asyncio.wait_for(self.broker.ping(timeout=2.0), 3.0))
