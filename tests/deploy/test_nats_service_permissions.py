"""Each service, logged in as its own user, can do on the bus all that its code does: declare
its streams and KV buckets, publish, store in JetStream, subscribe, consume and acknowledge.
(The end-to-end suite runs the real services this way; this names each need.)"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from copilot_cli.nats_logins import ADMIN
from copilot_contracts import streams, subjects
from copilot_contracts.streams import StreamDefinition
from copilot_service_defaults.jetstream import ensure_key_value, ensure_stream
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
    consumes: tuple[tuple[str, str], ...] = ()
    """(stream, subject) a durable pull consumer of the service reads and acknowledges."""


NEEDS = {
    "gateway": Needs(
        streams=(streams.CHAT_TURNS, streams.ACTIONS, streams.CHAT_EVENTS),
        buckets=(
            subjects.CONVERSATIONS_BUCKET,
            subjects.RATE_LIMITS_BUCKET,
            subjects.REVOKED_SESSIONS_BUCKET,
        ),
        publishes=(subjects.CHAT_TURN_CANCELLED, subjects.ORDERS_ORDER_QUERY),
        stores=(
            subjects.CHAT_TURN_REQUESTED,
            subjects.ORDERS_ORDER_DECIDE,
            subjects.CHAT_FEEDBACK_GIVEN,
        ),
        subscribes=(subjects.chat_turn_events("turn-1"), "_INBOX.gateway.>"),
    ),
    "orchestrator": Needs(
        streams=(streams.CHAT_TURNS, streams.ACTIONS),
        buckets=(subjects.HISTORY_BUCKET, subjects.WORKING_HISTORY_BUCKET, subjects.SPEND_BUCKET),
        publishes=(subjects.chat_turn_events("turn-1"), subjects.TOOL_RAG_SEARCH),
        stores=(subjects.TOOL_ORDERS_CREATE, subjects.TOOL_GITHUB_ISSUE_CREATE),
        subscribes=(subjects.CHAT_TURN_CANCELLED, "_INBOX.orchestrator.>"),
        consumes=((subjects.CHAT_TURNS_STREAM, subjects.CHAT_TURN_REQUESTED),),
    ),
    "rag": Needs(
        streams=(streams.RAG_REINDEX,),
        publishes=(subjects.rag_reindex_events("reindex-1"), subjects.RAG_REINDEX_COMPLETED),
        subscribes=(subjects.TOOL_RAG_SEARCH, subjects.RAG_REINDEX_COMPLETED, "_INBOX.rag.>"),
        consumes=((subjects.RAG_REINDEX_STREAM, subjects.RAG_REINDEX_REQUESTED),),
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
    ),
    "github": Needs(
        streams=(streams.ACTIONS,),
        buckets=("copilot_pending_issues",),
        publishes=("_INBOX.gateway.reply", "_INBOX.orchestrator.reply"),
        subscribes=("_INBOX.github.>",),
        consumes=((subjects.ACTIONS_STREAM, subjects.TOOL_GITHUB_ISSUE_CREATE),),
    ),
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
                await admin.connection.jetstream().publish(subject, b"{}", stream=stream)
            consumer = await js.pull_subscribe(
                subject, durable=f"{service}-{number}", stream=stream
            )
            [msg] = await consumer.fetch(1, timeout=3.0)
            await msg.in_progress()
            await msg.ack_sync(timeout=3.0)
        await nc.flush()
        assert session.refused == []
