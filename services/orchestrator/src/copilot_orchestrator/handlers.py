"""Bus handlers: take chat turns from JetStream, and stop turns the visitor abandoned."""

import contextlib
from typing import Annotated, Any

from copilot_contracts import subjects
from copilot_contracts.chat import ChatTurnCancelled, ChatTurnRequested
from copilot_service_defaults.bus_payloads import DocumentedAs
from copilot_service_defaults.jetstream import in_progress_while_running
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from pydantic import Field, ValidationError

from copilot_orchestrator.coordinator import TurnCoordinator

# A turn is acked when it ends. While it runs we tell JetStream it is in progress every few
# seconds, so a short AckWait is enough: a crashed replica's turn is redelivered quickly.
ACK_WAIT_S = 15.0
HEARTBEAT_S = 5.0
# A turn that failed on two replicas is not tried a third time; the visitor gets an error.
MAX_DELIVER = 2
# Turns delivered and not yet acked, across every replica (the consumer is shared): room for
# each of the most replicas the autoscaler runs (components/autoscaling: 10) to be busy.
REPLICAS_SERVED = 10
DURABLE = "orchestrator"
# (stream, subject, durable consumer) of each JetStream subscriber here.
CONSUMERS = ((subjects.CHAT_TURNS_STREAM, subjects.CHAT_TURN_REQUESTED, DURABLE),)
TurnBody = Annotated[Any, DocumentedAs(ChatTurnRequested), Field(title="ChatTurnRequested")]
CancelBody = Annotated[Any, DocumentedAs(ChatTurnCancelled), Field(title="ChatTurnCancelled")]


def turns_in_flight(workers: int) -> int:
    return workers * REPLICAS_SERVED


def build_router(coordinator: TurnCoordinator, workers: int) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(
        subjects.CHAT_TURN_REQUESTED,
        stream=JStream(name=subjects.CHAT_TURNS_STREAM, declare=False),
        durable=DURABLE,
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        max_workers=workers,
        ack_policy=AckPolicy.ACK,
        config=ConsumerConfig(
            ack_wait=ACK_WAIT_S,
            max_deliver=MAX_DELIVER,
            max_ack_pending=turns_in_flight(workers),
        ),
    )
    async def take_turn(body: TurnBody, msg: NatsMessage) -> None:
        """A visitor's chat turn: its events are published on
        copilot.v1.chat.turn.<turn id>.events until `done` or `error`."""
        try:
            turn = ChatTurnRequested.model_validate(body)
        except ValidationError:
            return  # unreadable: acked and dropped, a redelivery would not make it readable
        async with in_progress_while_running(msg, HEARTBEAT_S):
            await coordinator.take(turn)

    @router.subscriber(subjects.CHAT_TURN_CANCELLED)
    async def cancel_turn(body: CancelBody) -> None:
        """The visitor left: the replica running the turn stops it."""
        with contextlib.suppress(ValidationError):
            coordinator.cancel(ChatTurnCancelled.model_validate(body).turn_id)

    return router
