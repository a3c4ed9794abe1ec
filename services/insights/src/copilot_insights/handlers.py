"""Bus handlers: keep each event once (acknowledged after it is stored), answer reports and
erasures."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from copilot_contracts import subjects
from copilot_contracts.chat import ChatFeedbackGiven, ConfirmationAnswered, WidgetOpened
from copilot_contracts.insights import (
    InsightsQuery,
    InsightsReport,
    QuestionGroupView,
    TurnAnswered,
)
from copilot_contracts.orders import OrderPlaced
from copilot_contracts.privacy import InsightsPersonalDataErased, PersonalDataErasureRequested
from copilot_contracts.rag import Embedded, EmbedRequested
from copilot_contracts.replies import INVALID_REQUEST, ErrorReply, ServiceError, read_reply
from copilot_service_defaults.bus_payloads import DocumentedAs
from copilot_service_defaults.validation import validation_summary
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from pydantic import BaseModel, Field, ValidationError

from copilot_insights.adapters.sql_insights import SqlInsights
from copilot_insights.domain.clusters import group_questions
from copilot_insights.domain.views import build_report

MAX_GROUPED = 500
TOP_GROUPS = 10

log = logging.getLogger(__name__)

# A store that is down is retried with pauses; a malformed event is dropped with a warning.
TURNS_DURABLE = "insights-turns"
DURABLE = ConsumerConfig(ack_wait=30.0, max_deliver=10, backoff=[5.0, 30.0, 120.0])
CONSUMERS = (
    # Every turn's summary, answered, failed or abandoned.
    (subjects.INSIGHTS_STREAM, subjects.INSIGHTS_TURN_WILDCARD, TURNS_DURABLE),
    (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_FEEDBACK_GIVEN, "insights-feedback"),
    (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_WIDGET_OPENED, "insights-opens"),
    (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_CONFIRMATION_WILDCARD, "insights-confirmations"),
    (subjects.ORDER_EVENTS_STREAM, subjects.ORDERS_ORDER_PLACED, "insights-orders"),
)


Save = Callable[[Any], Awaitable[bool]]
ReportQuery = Annotated[Any, DocumentedAs(InsightsQuery), Field(title="InsightsQuery")]
ErasureRequest = Annotated[
    Any, DocumentedAs(PersonalDataErasureRequested), Field(title="PersonalDataErasureRequested")
]


def keeper(model: type[BaseModel], save: Save) -> Callable[[Any, NatsMessage], Any]:
    """A handler that stores each event of `model`, then acknowledges it."""

    async def kept(
        body: Annotated[Any, DocumentedAs(model), Field(title=model.__name__)], msg: NatsMessage
    ) -> None:
        try:
            event = model.model_validate(body)
        except ValidationError:
            log.warning("an unreadable event on %s was dropped", msg.raw_message.subject)
            await msg.ack()
            return
        await save(event)  # a failure leaves it unacknowledged: delivered again later
        await msg.ack()

    return kept


def build_router(store: SqlInsights) -> NatsRouter:
    router = NatsRouter()
    keep: dict[str, tuple[type[BaseModel], Save]] = {
        TURNS_DURABLE: (TurnAnswered, store.turn_answered),
        "insights-feedback": (ChatFeedbackGiven, store.feedback_given),
        "insights-opens": (WidgetOpened, store.widget_opened),
        "insights-confirmations": (ConfirmationAnswered, store.confirmation_answered),
        "insights-orders": (OrderPlaced, store.order_placed),
    }
    for stream, subject, durable in CONSUMERS:
        router.subscriber(
            subject,
            stream=JStream(name=stream, declare=False),
            durable=durable,
            pull_sub=PullSub(batch_size=16, timeout=5.0),
            ack_policy=AckPolicy.MANUAL,
            config=DURABLE,
            description=f"Kept for the figures: the consumer {durable} of {stream}.",
        )(keeper(*keep[durable]))

    @router.subscriber(subjects.INSIGHTS_REPORT_QUERY, queue="insights")
    async def report(body: ReportQuery, broker: NatsBroker) -> InsightsReport | ErrorReply:
        """Request/reply: the report of the last `days` days, as an InsightsReport; an
        ErrorReply to a query it cannot read."""
        try:
            query = InsightsQuery.model_validate(body)
        except ValidationError as exc:
            return ErrorReply.of(INVALID_REQUEST, validation_summary(exc))
        until = datetime.now(UTC)
        since = until - timedelta(days=query.days)
        activity = await store.activity(since, until)
        found = build_report(activity, since, until, query.variant)
        questions = [
            t.question
            for t in activity.turns
            if t.question and (query.variant is None or t.variant == query.variant)
        ][:MAX_GROUPED]
        if not questions:
            return found
        try:
            reply = await broker.request(
                EmbedRequested(texts=questions), subjects.RAG_EMBED, timeout=20
            )
            vectors = read_reply(await reply.decode(), Embedded).vectors
        except ServiceError as refused:
            log.warning("questions not grouped: the docs search answered %s", refused)
            note = f"Question groups are unavailable: the docs search answered {refused}."
            return found.model_copy(update={"note": found.note or note})
        except Exception as exc:  # the figures stand without the groups
            log.warning("questions not grouped: %s", type(exc).__name__)
            note = "Question groups are unavailable: the docs search did not answer."
            return found.model_copy(update={"note": found.note or note})
        groups = [
            QuestionGroupView(label=g.label, size=len(g.questions), examples=g.questions[:5])
            for g in group_questions(questions, vectors)[:TOP_GROUPS]
        ]
        return found.model_copy(update={"top_questions": groups})

    @router.subscriber(subjects.INSIGHTS_PERSONAL_DATA_ERASE, queue="insights")
    async def erase(body: ErasureRequest) -> InsightsPersonalDataErased | ErrorReply:
        """Request/reply: erases the visitor's rows, answering InsightsPersonalDataErased;
        an ErrorReply to a request it cannot read."""
        try:
            request = PersonalDataErasureRequested.model_validate(body)
        except ValidationError as exc:
            return ErrorReply.of(INVALID_REQUEST, validation_summary(exc))
        erased = await store.forget(request.session_id, request.conversation_ids)
        log.info("personal data erased from %d insights rows", erased)
        return InsightsPersonalDataErased(rows=erased)

    return router
