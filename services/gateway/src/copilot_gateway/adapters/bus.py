"""The gateway's side of the bus: publish turns, follow their events, own conversations."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.chat import (
    ChatFeedbackGiven,
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
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue


class TurnEvents:
    """A subscription to one turn's events, opened before the turn is published."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription
        self.closed = False
        self.watchdog: asyncio.Task[None] | None = None

    async def next(self, wait_s: float) -> TurnEventPublished | None:
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

    async def publish_turn(self, turn: ChatTurnRequested) -> None:
        # Nats-Msg-Id lets JetStream drop a second publish of the same turn.
        await self.broker.publish(
            turn,
            subjects.CHAT_TURN_REQUESTED,
            stream=subjects.CHAT_TURNS_STREAM,
            headers={"Nats-Msg-Id": turn.turn_id},
            timeout=5.0,
        )

    async def cancel_turn(self, turn: ChatTurnRequested, reason: str) -> None:
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

    async def remember_turn(self, turn: ChatTurnRequested) -> None:
        record = TurnRecord(
            turn_id=turn.turn_id,
            conversation_id=turn.conversation_id,
            session_id=turn.session_id,
        )
        await self.conversations.put(f"turn.{turn.turn_id}", record.model_dump_json().encode())

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

    async def record_feedback(self, event: ChatFeedbackGiven) -> None:
        await self.broker.publish(
            event,
            subjects.CHAT_FEEDBACK_GIVEN,
            stream=subjects.CHAT_EVENTS_STREAM,
            headers={"Nats-Msg-Id": event.id},
            timeout=5.0,
        )

    async def connected(self) -> bool:
        return bool(await asyncio.wait_for(self.broker.ping(timeout=2.0), 3.0))
