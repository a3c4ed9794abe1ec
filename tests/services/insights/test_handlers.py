"""The insights service's handlers on a real NATS server and a real database: events are
kept once however often they arrive, reports and erasures answered over the bus."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from copilot_contracts import subjects
from copilot_contracts.chat import ChatFeedbackGiven, ConfirmationAnswered, WidgetOpened
from copilot_contracts.insights import InsightsQuery, InsightsReport, ToolUse, TurnAnswered
from copilot_contracts.orders import OrderPlaced
from copilot_contracts.privacy import PersonalDataErasureRequested
from copilot_contracts.replies import INVALID_REQUEST, ErrorReply, ServiceError, read_reply
from copilot_contracts.streams import CHAT_EVENTS, INSIGHTS, ORDER_EVENTS
from copilot_insights.adapters.sql_insights import SqlInsights
from copilot_insights.handlers import build_router
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture
async def bus(private_nats_url: str, tmp_path: Path) -> AsyncIterator[NatsBroker]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'insights.db'}")
    store = SqlInsights(engine)
    await store.create_schema()
    broker = NatsBroker(private_nats_url)
    broker.include_router(build_router(store))
    async with broker:
        js = broker.connection.jetstream()
        for stream in (INSIGHTS, CHAT_EVENTS, ORDER_EVENTS):
            await ensure_stream(js, stream, replicas=1)
        await broker.start()
        yield broker
        for stream in (INSIGHTS, CHAT_EVENTS, ORDER_EVENTS):
            await js.purge_stream(stream.name)
    await engine.dispose()


def answered(turn: str, conversation: str, question: str | None = None) -> TurnAnswered:
    return TurnAnswered(
        conversation_id=conversation,
        turn_id=turn,
        session_id="session-1",
        consent=question is not None,
        question=question,
        outcome="answered",
        tools=[ToolUse(tool="searchDocs", ok=True)],
        citations=0 if question else 1,
        orders_prepared=1 if conversation == "c2" else 0,
        response_ms=400,
    )


async def soon(condition: Callable[[], Awaitable[bool]], within_s: float = 10) -> bool:
    """Poll an async condition until it holds or the time is up (events arrive async)."""
    for _ in range(int(within_s / 0.05)):
        if await condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def report(broker: NatsBroker, **query: object) -> InsightsReport:
    reply = await broker.request(InsightsQuery(**query), subjects.INSIGHTS_REPORT_QUERY)  # type: ignore[arg-type]
    return InsightsReport.model_validate(await reply.decode())


async def test_events_are_kept_once_and_reported(bus: NatsBroker) -> None:
    for _ in range(3):  # redeliveries and repeats
        await bus.publish(
            answered("t1", "c1"), subjects.INSIGHTS_TURN_ANSWERED, stream=INSIGHTS.name
        )
    await bus.publish(
        answered("t2", "c2", question="Do you sell tea?"),
        subjects.INSIGHTS_TURN_ANSWERED,
        stream=INSIGHTS.name,
    )
    feedback = ChatFeedbackGiven(
        session_id="session-1", turn_id="t1", rating="up", conversation_id="c1"
    )
    await bus.publish(feedback, subjects.CHAT_FEEDBACK_GIVEN, stream=CHAT_EVENTS.name)
    placed = OrderPlaced(
        order_id="EO-0000AAAA", conversation_id="c2", lines=[], total=Decimal("29"), currency="USD"
    )
    await bus.publish(placed, subjects.ORDERS_ORDER_PLACED, stream=ORDER_EVENTS.name)

    async def complete() -> bool:
        found = await report(bus)
        return (
            found.overall.turns == 2
            and found.overall.satisfaction.total == 1
            and (found.overall.order_conversion.hits == 1)
        )

    assert await soon(complete)
    overall = (await report(bus)).overall
    assert overall.conversations == 2 and overall.satisfaction.rate == 1.0
    assert overall.unanswered_questions == ["Do you sell tea?"]


async def test_opens_answers_to_confirmations_and_failed_turns_are_kept_and_erased(
    bus: NatsBroker,
) -> None:
    ordered = answered("t3", "c3").model_copy(
        update={"orders_prepared": 1, "actions": ["EO-0000BBBB", "EO-0000CCCC"]}
    )
    await bus.publish(ordered, subjects.INSIGHTS_TURN_ANSWERED, stream=INSIGHTS.name)
    failed = answered("t4", "c4").model_copy(update={"outcome": "failed", "error_code": "timeout"})
    await bus.publish(failed, subjects.INSIGHTS_TURN_FAILED, stream=INSIGHTS.name)
    left = answered("t5", "c4").model_copy(update={"outcome": "abandoned"})
    await bus.publish(left, subjects.INSIGHTS_TURN_ABANDONED, stream=INSIGHTS.name)
    for session in ("session-1", "session-1", "session-2"):  # a session counts once
        opened = WidgetOpened(session_id=session)
        await bus.publish(opened, subjects.CHAT_WIDGET_OPENED, stream=CHAT_EVENTS.name)
    for action, subject in (
        ("EO-0000BBBB", subjects.CHAT_CONFIRMATION_ACCEPTED),
        ("EO-0000CCCC", subjects.CHAT_CONFIRMATION_DECLINED),
    ):
        decision = "accepted" if subject.endswith("accepted") else "declined"
        answer = ConfirmationAnswered(
            session_id="session-1", action_id=action, kind="order", decision=decision
        )
        await bus.publish(answer, subject, stream=CHAT_EVENTS.name)

    async def complete() -> bool:
        overall = (await report(bus)).overall
        orders = overall.confirmations.get("order")
        return (
            overall.turns == 3
            and overall.engaged_sessions is not None
            and overall.engaged_sessions.total == 2
            and orders is not None
            and orders.accepted + orders.declined == 2
        )

    assert await soon(complete)
    overall = (await report(bus)).overall
    # session-1 asked; session-2 only opened the widget.
    assert (overall.engaged_sessions.hits, overall.engaged_sessions.total) == (1, 2)  # type: ignore[union-attr]
    order = overall.confirmations["order"]
    assert (order.prepared, order.accepted, order.declined, order.unanswered) == (2, 1, 1, 0)
    assert (overall.failed_turns, overall.errors, overall.abandoned_turns) == (1, {"timeout": 1}, 1)

    request = PersonalDataErasureRequested(session_id="session-1", conversation_ids=["c3"])
    reply = await bus.request(request, subjects.INSIGHTS_PERSONAL_DATA_ERASE)
    assert (await reply.decode())["rows"] == 3 + 1 + 2  # type: ignore[index]
    after = (await report(bus)).overall
    assert after.turns == 0 and after.confirmations["order"].prepared == 0
    assert after.engaged_sessions is not None and after.engaged_sessions.total == 1


async def test_erasure_forgets_the_visitors_rows(bus: NatsBroker) -> None:
    await bus.publish(answered("t9", "c9", "Where is my order?"), subjects.INSIGHTS_TURN_ANSWERED)
    await bus.publish(
        answered("t9", "c9", "Where is my order?"),
        subjects.INSIGHTS_TURN_ANSWERED,
        stream=INSIGHTS.name,
    )

    async def kept() -> bool:
        return (await report(bus)).overall.turns == 1

    assert await soon(kept)
    request = PersonalDataErasureRequested(session_id="session-1")
    reply = await bus.request(request, subjects.INSIGHTS_PERSONAL_DATA_ERASE)
    assert (await reply.decode())["rows"] >= 1  # type: ignore[index]
    assert (await report(bus)).overall.turns == 0


async def test_an_unknown_variant_and_an_empty_period_are_answered(bus: NatsBroker) -> None:
    empty = await report(bus, days=1)
    assert empty.overall.conversations == 0 and empty.note
    unknown = await report(bus, variant="nope")
    assert unknown.overall.conversations == 0 and unknown.note


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (subjects.INSIGHTS_REPORT_QUERY, b'{"days": 0}'),
        (subjects.INSIGHTS_REPORT_QUERY, b"[7]"),
        (subjects.INSIGHTS_REPORT_QUERY, b"not json"),
        (subjects.INSIGHTS_PERSONAL_DATA_ERASE, b"{}"),
        (subjects.INSIGHTS_PERSONAL_DATA_ERASE, b'{"session_id": "short"}'),
    ],
)
async def test_a_request_it_cannot_read_is_answered_with_an_error(
    bus: NatsBroker, subject: str, body: bytes
) -> None:
    reply = await bus.connection.request(subject, body, timeout=5)
    with pytest.raises(ServiceError) as refused:
        read_reply(reply.data, InsightsReport)
    assert refused.value.code == INVALID_REQUEST and refused.value.message


async def test_questions_the_docs_search_refuses_to_embed_are_reported_as_such(
    bus: NatsBroker,
) -> None:
    await bus.publish(
        answered("t7", "c7", "Do you ship to Norway?"),
        subjects.INSIGHTS_TURN_ANSWERED,
        stream=INSIGHTS.name,
    )

    async def refuse(msg: Msg) -> None:
        await msg.respond(
            ErrorReply.of(INVALID_REQUEST, "texts: too long").model_dump_json().encode()
        )

    docs_search = await bus.connection.subscribe(subjects.RAG_EMBED, cb=refuse)
    try:

        async def kept() -> bool:
            return (await report(bus)).overall.turns == 1

        assert await soon(kept)
        found = await report(bus)
    finally:
        await docs_search.unsubscribe()
    assert found.top_questions == []
    assert found.note is not None and "invalid_request: texts: too long" in found.note
