"""Each service, logged in as its own user, can do on the bus all that its code does: declare
its streams and KV buckets, publish, store in JetStream, subscribe, answer requests, consume
and acknowledge, read its consumers' lag and keep their dead letters.
(The end-to-end suite runs the real services this way; this names each need.)"""

import asyncio
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from copilot_cli.nats_logins import ADMIN
from copilot_contracts import streams, subjects
from copilot_contracts.streams import StreamDefinition
from copilot_service_defaults.jetstream import ensure_key_value, ensure_stream
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError

from tests.conftest import NatsForTests, own_nats_server
from tests.support.bus_logins import logged_in

pytestmark = pytest.mark.security


@dataclass(frozen=True)
class Needs:
    streams: tuple[StreamDefinition, ...] = ()
    buckets: tuple[str, ...] = ()
    publishes: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    """Subjects of a stream: published through JetStream, acknowledged."""
    subscribes: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()
    """Subjects of requests the service answers, in its queue group."""
    consumes: tuple[tuple[str, str], ...] = ()
    """(stream, subject) a durable pull consumer of the service reads and acknowledges."""
    reads: tuple[StreamDefinition, ...] = ()
    """Streams whose messages the service reads back by subject (a resumed turn's events)."""
    dead_letters: tuple[tuple[str, str], ...] = ()
    """(stream, durable) whose max-deliveries advisories the service watches, copying the
    message named to COPILOT_DEAD_LETTERS (copilot_service_defaults.dead_letters)."""


NEEDS = {
    "gateway": Needs(
        streams=(streams.CHAT_TURNS, streams.ACTIONS, streams.CHAT_EVENTS, streams.TURN_EVENTS),
        buckets=(
            subjects.CONVERSATIONS_BUCKET,
            subjects.RATE_LIMITS_BUCKET,
            subjects.REVOKED_SESSIONS_BUCKET,
        ),
        publishes=(
            subjects.CHAT_TURN_CANCELLED,
            subjects.ORDERS_ORDER_QUERY,
            subjects.INSIGHTS_REPORT_QUERY,
        ),
        stores=(
            subjects.CHAT_TURN_REQUESTED,
            subjects.ORDERS_ORDER_DECIDE,
            subjects.CHAT_FEEDBACK_GIVEN,
            subjects.CHAT_WIDGET_OPENED,
            subjects.CHAT_CONFIRMATION_ACCEPTED,
            subjects.CHAT_CONFIRMATION_DECLINED,
        ),
        subscribes=(subjects.chat_turn_events("turn-1"), "_INBOX.gateway.>"),
        reads=(streams.TURN_EVENTS,),
    ),
    "orchestrator": Needs(
        streams=(streams.CHAT_TURNS, streams.ACTIONS, streams.INSIGHTS),
        buckets=(subjects.HISTORY_BUCKET, subjects.WORKING_HISTORY_BUCKET, subjects.SPEND_BUCKET),
        publishes=(subjects.chat_turn_events("turn-1"), subjects.TOOL_RAG_SEARCH),
        stores=(
            subjects.TOOL_ORDERS_CREATE,
            subjects.TOOL_GITHUB_ISSUE_CREATE,
            subjects.INSIGHTS_TURN_ANSWERED,
            subjects.INSIGHTS_TURN_FAILED,
            subjects.INSIGHTS_TURN_ABANDONED,
        ),
        subscribes=(subjects.CHAT_TURN_CANCELLED, "_INBOX.orchestrator.>"),
        consumes=((subjects.CHAT_TURNS_STREAM, subjects.CHAT_TURN_REQUESTED),),
        dead_letters=((subjects.CHAT_TURNS_STREAM, "orchestrator"),),
    ),
    "rag": Needs(
        streams=(streams.RAG_REINDEX,),
        publishes=(subjects.rag_reindex_events("reindex-1"), subjects.RAG_REINDEX_COMPLETED),
        subscribes=(subjects.TOOL_RAG_SEARCH, subjects.RAG_REINDEX_COMPLETED, "_INBOX.rag.>"),
        answers=(subjects.RAG_EMBED,),
        consumes=((subjects.RAG_REINDEX_STREAM, subjects.RAG_REINDEX_REQUESTED),),
        dead_letters=((subjects.RAG_REINDEX_STREAM, "rag-reindex"),),
    ),
    "orders": Needs(
        streams=(streams.ACTIONS, streams.ORDER_EVENTS),
        # Durable requests are answered on the caller's inbox (the Copilot-Reply-To header).
        publishes=("_INBOX.gateway.reply", "_INBOX.orchestrator.reply"),
        stores=(subjects.ORDERS_ORDER_PLACED,),
        subscribes=(subjects.ORDERS_ORDER_QUERY, "_INBOX.orders.>"),
        consumes=(
            (subjects.ACTIONS_STREAM, subjects.TOOL_ORDERS_CREATE),
            (subjects.ACTIONS_STREAM, subjects.ORDERS_ORDER_DECIDE),
        ),
        dead_letters=(
            (subjects.ACTIONS_STREAM, "orders-create"),
            (subjects.ACTIONS_STREAM, "orders-decide"),
        ),
    ),
    "github": Needs(
        streams=(streams.ACTIONS,),
        buckets=("copilot_pending_issues",),
        publishes=("_INBOX.gateway.reply", "_INBOX.orchestrator.reply"),
        subscribes=("_INBOX.github.>",),
        consumes=((subjects.ACTIONS_STREAM, subjects.TOOL_GITHUB_ISSUE_CREATE),),
        dead_letters=(
            (subjects.ACTIONS_STREAM, "github-issues"),
            (subjects.ACTIONS_STREAM, "github-decide"),
        ),
    ),
    "insights": Needs(
        streams=(streams.INSIGHTS, streams.CHAT_EVENTS, streams.ORDER_EVENTS),
        publishes=(subjects.RAG_EMBED,),
        subscribes=("_INBOX.insights.>",),
        answers=(subjects.INSIGHTS_REPORT_QUERY, subjects.INSIGHTS_PERSONAL_DATA_ERASE),
        consumes=(
            (subjects.INSIGHTS_STREAM, subjects.INSIGHTS_TURN_WILDCARD),
            (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_FEEDBACK_GIVEN),
            (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_WIDGET_OPENED),
            (subjects.CHAT_EVENTS_STREAM, subjects.CHAT_CONFIRMATION_WILDCARD),
            (subjects.ORDER_EVENTS_STREAM, subjects.ORDERS_ORDER_PLACED),
        ),
        dead_letters=(
            (subjects.INSIGHTS_STREAM, "insights-turns"),
            (subjects.CHAT_EVENTS_STREAM, "insights-feedback"),
            (subjects.CHAT_EVENTS_STREAM, "insights-opens"),
            (subjects.CHAT_EVENTS_STREAM, "insights-confirmations"),
            (subjects.ORDER_EVENTS_STREAM, "insights-orders"),
        ),
    ),
}


# A subject a wildcard consumer reads, to publish to.
EXAMPLE_OF = {
    subjects.INSIGHTS_TURN_WILDCARD: subjects.INSIGHTS_TURN_FAILED,
    subjects.CHAT_CONFIRMATION_WILDCARD: subjects.CHAT_CONFIRMATION_DECLINED,
}


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsForTests]:
    with own_nats_server(Path(tmp_path_factory.mktemp("service-permissions"))) as server:
        yield server


async def _use_bucket(js: JetStreamContext, bucket: str) -> None:
    kv = await ensure_key_value(js, bucket, ttl_s=3600)
    await ensure_key_value(js, bucket, ttl_s=7200)  # a changed retention: updated in place
    revision = await kv.put("key", b"1")
    await kv.update("key", b"2", last=revision)
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.create("key", b"again")
    assert (await kv.get("key")).value == b"2"
    await kv.delete("key")


@pytest.mark.parametrize("service", sorted(NEEDS))
async def test_each_service_can_do_what_its_code_does(bus: NatsForTests, service: str) -> None:
    needs = NEEDS[service]
    async with logged_in(bus, service) as session:
        nc = session.connection
        js = nc.jetstream(timeout=3.0)
        for definition in needs.streams:
            await ensure_stream(js, definition, replicas=1)
        for bucket in needs.buckets:
            await _use_bucket(js, bucket)
        for subject in needs.publishes:
            await nc.publish(subject, b"{}")
        for subject in needs.stores:
            assert (await js.publish(subject, b"{}", timeout=3.0)).seq >= 1
        for subject in needs.subscribes:
            await nc.subscribe(subject)
        for number, (stream, subject) in enumerate(needs.consumes):
            async with logged_in(bus, ADMIN) as admin:
                await admin.connection.jetstream().publish(
                    EXAMPLE_OF.get(subject, subject), b"{}", stream=stream
                )
            consumer = await js.pull_subscribe(
                subject, durable=f"{service}-{number}", stream=stream
            )
            [msg] = await consumer.fetch(1, timeout=3.0)
            await msg.in_progress()
            await msg.ack_sync(timeout=3.0)
            # Its lag, for the metrics (consumer_metrics.py).
            assert (await js.consumer_info(stream, f"{service}-{number}")).num_pending is not None
        for definition in needs.reads:
            await _read_back(bus, js, definition)
        for subject in needs.answers:
            await _answer_a_request(bus, nc, service, subject)
        for stream, durable in needs.dead_letters:
            await _keep_a_dead_letter(bus, nc, js, stream, durable)
        await nc.flush()
        assert session.refused == []


async def _read_back(bus: NatsForTests, js: JetStreamContext, definition: StreamDefinition) -> None:
    """The service reads back, by subject, a message another user published to the stream."""
    subject = definition.subjects[0].replace("*", "x")
    async with logged_in(bus, ADMIN) as admin:
        await admin.connection.jetstream().publish(subject, b"kept", stream=definition.name)
    kept = await js.get_msg(definition.name, seq=1, subject=subject, next=True)
    assert kept.data == b"kept"


async def _answer_a_request(bus: NatsForTests, nc: Client, service: str, subject: str) -> None:
    """The service answers, in its queue group, a request the admin user makes."""

    async def answer(msg: Msg) -> None:
        await msg.respond(b"answered")

    await nc.subscribe(subject, queue=service, cb=answer)
    await nc.flush()
    async with logged_in(bus, ADMIN) as admin:
        for _ in range(50):  # the responder's interest may take a moment to reach the asker
            with contextlib.suppress(NoRespondersError):
                reply = await admin.connection.request(subject, b"{}", timeout=3.0)
                assert reply.data == b"answered"
                return
            await asyncio.sleep(0.1)
    pytest.fail(f"{service} did not answer {subject}")


async def _keep_a_dead_letter(
    bus: NatsForTests, nc: Client, js: JetStreamContext, stream: str, durable: str
) -> None:
    """As dead_letters.py does: watch the advisory, read the message it names, copy it."""
    advisories = await nc.subscribe(
        subjects.max_deliveries_advisory(stream, durable), queue=f"deadletters-{durable}"
    )
    await nc.flush()
    await ensure_stream(js, streams.DEAD_LETTERS, replicas=1)
    async with logged_in(bus, ADMIN) as admin:
        admin_js = admin.connection.jetstream()
        [subject, *_] = (await admin_js.stream_info(stream)).config.subjects or []
        stored = await admin_js.publish(subject.replace("*", "x"), b"{}", stream=stream)
        notice = {"stream_seq": stored.seq, "deliveries": 5}
        await admin.connection.publish(
            subjects.max_deliveries_advisory(stream, durable), json.dumps(notice).encode()
        )
    advisory = await advisories.next_msg(timeout=3.0)
    original = await js.get_msg(stream, int(json.loads(advisory.data)["stream_seq"]))
    kept = await js.publish(
        subjects.dead_letter(stream, durable),
        original.data or b"",
        stream=streams.DEAD_LETTERS.name,
        timeout=3.0,
    )
    assert kept.stream == streams.DEAD_LETTERS.name
