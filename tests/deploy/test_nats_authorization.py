"""deploy/nats/authorization.conf on a real nats-server: each service may do what its code
does on the bus and nothing else, and nobody gets in without the right password."""

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from copilot_cli.nats_logins import ADMIN
from copilot_contracts import streams, subjects
from copilot_service_defaults.jetstream import ensure_stream
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

from tests.conftest import NatsForTests, eventually, own_nats_server
from tests.support.bus_logins import logged_in

pytestmark = pytest.mark.security

ALL_STREAMS = (
    streams.CHAT_TURNS,
    streams.RAG_REINDEX,
    streams.ACTIONS,
    streams.ORDER_EVENTS,
    streams.CHAT_EVENTS,
)


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsForTests]:
    with own_nats_server(Path(tmp_path_factory.mktemp("authorized-bus"))) as server:
        yield server


async def declared_streams(bus: NatsForTests) -> None:
    async with logged_in(bus, ADMIN) as admin:
        for definition in ALL_STREAMS:
            await ensure_stream(admin.connection.jetstream(), definition, replicas=1)


async def _refused_login(bus: NatsForTests, login: dict[str, str]) -> str:
    async def quiet(error: Exception) -> None:
        return None

    with pytest.raises(NatsError) as refused:
        await nats.connect(
            bus.url, allow_reconnect=False, connect_timeout=3, error_cb=quiet, **login
        )
    return str(refused.value)


async def test_a_wrong_password_an_unknown_user_and_no_login_are_refused(
    bus: NatsForTests,
) -> None:
    assert bus.logins is not None
    wrong = {"user": "gateway", "password": bus.logins.passwords["orders"]}
    for login in (wrong, {"user": "intruder", "password": "guess"}, {}):
        assert "authorization violation" in (await _refused_login(bus, login)).lower()
    async with logged_in(bus, "gateway") as gateway:  # the right one still gets in
        assert gateway.connection.is_connected


async def test_the_gateway_cannot_create_an_order_itself(bus: NatsForTests) -> None:
    await declared_streams(bus)
    async with logged_in(bus, "gateway") as gateway:
        await gateway.connection.publish(subjects.TOOL_ORDERS_CREATE, b"{}")
        await eventually(lambda: gateway.refused, within_s=5)
        assert "publish to" in gateway.refused[0]
        assert subjects.TOOL_ORDERS_CREATE in gateway.refused[0]
        with pytest.raises(NatsTimeoutError):  # JetStream never saw it: no acknowledgement
            await gateway.connection.jetstream().publish(
                subjects.TOOL_ORDERS_CREATE, b"{}", timeout=1.0
            )
    async with logged_in(bus, ADMIN) as admin:
        stored = await admin.connection.jetstream().stream_info(subjects.ACTIONS_STREAM)
        assert stored.state.messages == 0


@pytest.mark.parametrize(
    "subject",
    [
        subjects.TOOL_RAG_SEARCH,
        subjects.TOOL_ORDERS_CREATE,
        subjects.ORDERS_ORDER_QUERY,
        subjects.CHAT_TURN_CANCELLED,
        "_INBOX.orchestrator.>",
        "_INBOX.>",
        f"$KV.{subjects.HISTORY_BUCKET}.>",
        ">",
    ],
)
async def test_the_gateway_cannot_listen_to_other_services(bus: NatsForTests, subject: str) -> None:
    async with logged_in(bus, "gateway") as gateway:
        received = await gateway.connection.subscribe(subject)
        await gateway.connection.flush()
        await eventually(lambda: gateway.refused, within_s=5)
        assert "subscription to" in gateway.refused[0]
        async with logged_in(bus, ADMIN) as admin:
            await admin.connection.publish(subject.replace(">", "x"), b"secret")
            await admin.connection.flush()
        with pytest.raises(NatsTimeoutError):
            await received.next_msg(timeout=0.5)


async def test_the_gateway_cannot_delete_or_purge_a_stream(bus: NatsForTests) -> None:
    await declared_streams(bus)
    async with logged_in(bus, ADMIN) as admin:
        await admin.connection.jetstream().publish(subjects.CHAT_FEEDBACK_GIVEN, b"{}")
    async with logged_in(bus, "gateway") as gateway:
        js = gateway.connection.jetstream(timeout=1.0)
        with pytest.raises(NatsTimeoutError):
            await js.purge_stream(subjects.CHAT_EVENTS_STREAM)
        with pytest.raises(NatsTimeoutError):
            await js.delete_stream(subjects.CHAT_EVENTS_STREAM)
        with pytest.raises(NatsTimeoutError):
            await js.delete_consumer(subjects.CHAT_TURNS_STREAM, "orchestrator")
        await eventually(lambda: len(gateway.refused) == 3, within_s=5)
    async with logged_in(bus, ADMIN) as admin:
        kept = await admin.connection.jetstream().stream_info(subjects.CHAT_EVENTS_STREAM)
        assert kept.state.messages >= 1


async def test_a_service_answers_requests_made_to_it_but_writes_to_no_other_inbox(
    bus: NatsForTests,
) -> None:
    async with logged_in(bus, "rag") as rag, logged_in(bus, "orchestrator") as orchestrator:

        async def answer(msg: nats.aio.msg.Msg) -> None:
            await msg.respond(b"passages")

        await rag.connection.subscribe(subjects.TOOL_RAG_SEARCH, queue="rag", cb=answer)
        await rag.connection.flush()
        replies: list[bytes] = []

        async def ask() -> None:
            with contextlib.suppress(NoRespondersError):  # interest may take a moment
                replies.append(
                    (await orchestrator.connection.request(subjects.TOOL_RAG_SEARCH, b"{}")).data
                )

        for _ in range(50):
            await ask()
            if replies:
                break
            await asyncio.sleep(0.1)
        assert replies == [b"passages"]
        assert rag.refused == []
        await rag.connection.publish("_INBOX.gateway.forged", b"not asked")
        await eventually(lambda: rag.refused, within_s=5)


async def test_the_gateway_may_ask_for_insights_but_not_erase_them(bus: NatsForTests) -> None:
    async with logged_in(bus, "gateway") as gateway:
        await gateway.connection.publish(subjects.INSIGHTS_REPORT_QUERY, b"{}")
        await gateway.connection.flush()
        await gateway.connection.publish(subjects.INSIGHTS_PERSONAL_DATA_ERASE, b"{}")
        await eventually(lambda: gateway.refused, within_s=5)
        [refused] = gateway.refused
        assert subjects.INSIGHTS_PERSONAL_DATA_ERASE in refused
