"""Rate-limit counts shared by gateway replicas: counted by the server on a counter stream
(NATS 2.12+), or by compare-and-set in a KV bucket where the server cannot count. Replicas
counting one window at once never lose or repeat a count either way."""

import asyncio
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from copilot_contracts import subjects
from copilot_gateway.adapters.nats_rate_counter import NatsRateCounter
from copilot_service_defaults.jetstream import ensure_counter_stream, ensure_key_value
from nats.aio.client import Client as NatsClient
from nats.js.api import StorageType

KEY = "chat_site.0123456789abcdef.900.42"
REPLICAS = 3
COUNTS_EACH = 40


@pytest.fixture
async def connections(private_nats_url: str) -> AsyncIterator[list[NatsClient]]:
    """One connection per gateway replica."""
    opened = [await nats.connect(private_nats_url) for _ in range(REPLICAS)]
    yield opened
    for connection in opened:
        await connection.close()


async def _count_at_once(counters: list[NatsRateCounter], key: str) -> list[int]:
    async def replica(counter: NatsRateCounter) -> list[int]:
        return [await counter.increment(key) for _ in range(COUNTS_EACH)]

    totals = await asyncio.gather(*(replica(counter) for counter in counters))
    return sorted(total for each in totals for total in each)


async def test_the_server_counts_each_request_once_across_replicas(
    connections: list[NatsClient],
) -> None:
    js = connections[0].jetstream()
    stream, prefix = subjects.RATE_COUNTERS_STREAM, subjects.RATE_COUNTERS_PREFIX
    assert await ensure_counter_stream(js, stream, prefix, 86_400) is True
    assert await ensure_counter_stream(js, stream, prefix, 86_400) is True  # declared again
    counters = []
    for connection in connections:
        counter = NatsRateCounter()
        counter.use_counter_stream(connection)
        counters.append(counter)
    assert counters[0].counts_on_the_server

    totals = await _count_at_once(counters, KEY)

    assert totals == list(range(1, REPLICAS * COUNTS_EACH + 1))
    assert await counters[1].increment(KEY.replace(".42", ".43")) == 1, "a new window"
    info = await js.stream_info(stream)
    assert info.state.messages == 2, "only each window's latest count is kept"


async def test_a_stream_made_without_counting_is_not_counted_on(
    connections: list[NatsClient],
) -> None:
    """As an older server would have left it: counting cannot be switched on in place."""
    js = connections[0].jetstream()
    await js.add_stream(name="UNCOUNTED", subjects=["uncounted.>"])
    assert await ensure_counter_stream(js, "UNCOUNTED", "uncounted", 86_400) is False


async def test_compare_and_set_counts_each_request_once_across_replicas(
    connections: list[NatsClient],
) -> None:
    counters = []
    for connection in connections:
        bucket = await ensure_key_value(
            connection.jetstream(), "rate_counter_test", 86_400, storage=StorageType.MEMORY
        )
        counter = NatsRateCounter()
        counter.use_bucket(bucket)
        counters.append(counter)
    assert not counters[0].counts_on_the_server

    assert await _count_at_once(counters, KEY) == list(range(1, REPLICAS * COUNTS_EACH + 1))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def older_nats_url() -> Iterator[str]:
    """Debian's nats-server (2.9), where the machine has it."""
    binary = "/usr/sbin/nats-server"
    try:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        pytest.skip(f"no older nats-server at {binary}")
    if not version.startswith("nats-server: v2.") or int(version.split(".")[1]) >= 12:
        pytest.skip(f"{binary} is {version.strip()}, which counts")
    port = _free_port()
    with tempfile.TemporaryDirectory() as store:
        command = [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield f"nats://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)


async def test_a_server_before_counters_is_detected(older_nats_url: str) -> None:
    """It takes the stream, ignoring the setting, and would store increments as plain
    messages: the gateway counts in the KV bucket instead."""
    connection = await _connect_when_up(older_nats_url)
    try:
        js = connection.jetstream()
        stream, prefix = subjects.RATE_COUNTERS_STREAM, subjects.RATE_COUNTERS_PREFIX
        assert await ensure_counter_stream(js, stream, prefix, 86_400) is False
    finally:
        await connection.close()


async def _connect_when_up(url: str) -> NatsClient:
    for _ in range(50):
        try:
            return await nats.connect(url, max_reconnect_attempts=0, connect_timeout=0.5)
        except Exception:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer")
