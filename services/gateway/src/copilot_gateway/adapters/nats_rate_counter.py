"""Request counters per rate-limit window, shared by every gateway replica, kept in memory on
the NATS server (their loss only resets the current windows; windows past are removed by age).

On NATS 2.12 and later, a counter stream: a publish with a `Nats-Incr` header adds one to a
window's count on the server and answers the new total, one round trip however many
replicas count at once. An older server keeps such a stream but does not count: there, a KV
bucket with compare-and-set, a read and a write per count, read again when another replica
counted in between."""

import json

from copilot_contracts import subjects
from copilot_service_defaults.kv import Contended, increment
from nats.aio.client import Client as NatsClient
from nats.js.kv import KeyValue

from copilot_gateway.domain.rate_limits import CounterContended

COUNT_TIMEOUT_S = 5.0


class CountRefused(RuntimeError):
    """The counter stream answered a count with an error."""


class NatsRateCounter:
    def __init__(self) -> None:
        self._connection: NatsClient | None = None
        self._bucket: KeyValue | None = None

    def use_counter_stream(self, connection: NatsClient) -> None:
        self._connection, self._bucket = connection, None

    def use_bucket(self, bucket: KeyValue) -> None:
        self._connection, self._bucket = None, bucket

    @property
    def counts_on_the_server(self) -> bool:
        return self._connection is not None

    async def increment(self, key: str) -> int:
        """Count one more request; the count including it."""
        if self._connection is not None:
            return await self._add(self._connection, key)
        if self._bucket is None:
            raise RuntimeError("NatsRateCounter: neither counter stream nor bucket attached")
        try:
            return await increment(self._bucket, key)
        except Contended as exc:
            raise CounterContended(key) from exc

    @staticmethod
    async def _add(connection: NatsClient, key: str) -> int:
        reply = await connection.request(
            subjects.rate_counter(key), b"", timeout=COUNT_TIMEOUT_S, headers={"Nats-Incr": "1"}
        )
        ack = json.loads(reply.data)
        if "val" not in ack:
            raise CountRefused(str(ack.get("error", ack))[:200])
        return int(ack["val"])
