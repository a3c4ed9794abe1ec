"""The floor under every hop of a turn: a raw nats-py request and reply on the bench's own
server (no FastStream, no pydantic, no JetStream), one connection asking and one answering,
as two services do."""

import asyncio
import time
from typing import Any

import nats
from figures import latency_ms
from nats.aio.msg import Msg

SUBJECT = "bench.round_trip"
PAYLOAD = b"x" * 512  # about a searchDocs request's size
SEQUENTIAL = 2_000
CONCURRENT = 5_000
IN_FLIGHT = 10


async def answered_once(requester: nats.NATS, deadline_s: float = 5.0) -> None:
    """Right after connecting, a server can still answer the very first request with "no
    responders" although the answering side's subscription was flushed (seen about once in
    seven runs with nats-server 2.15): wait until a request is answered before timing any."""
    await requester.flush()
    stop_at = time.monotonic() + deadline_s
    while True:
        try:
            await requester.request(SUBJECT, PAYLOAD, timeout=1)
            return
        except nats.errors.NoRespondersError:
            if time.monotonic() > stop_at:
                raise
            await asyncio.sleep(0.05)


async def round_trips(url: str, login: dict[str, str]) -> dict[str, Any]:
    responder = await nats.connect(url, **login)
    requester = await nats.connect(url, **login)
    try:

        async def answer(msg: Msg) -> None:
            await msg.respond(msg.data)

        await responder.subscribe(SUBJECT, cb=answer)
        await responder.flush()
        await answered_once(requester)

        async def one(timings: list[float]) -> None:
            started = time.perf_counter()
            await requester.request(SUBJECT, PAYLOAD, timeout=5)
            timings.append(time.perf_counter() - started)

        for _ in range(200):  # warm-up
            await one([])
        sequential: list[float] = []
        started = time.perf_counter()
        for _ in range(SEQUENTIAL):
            await one(sequential)
        sequential_s = time.perf_counter() - started

        concurrent: list[float] = []
        started = time.perf_counter()
        for _ in range(CONCURRENT // IN_FLIGHT):
            await asyncio.gather(*(one(concurrent) for _ in range(IN_FLIGHT)))
        concurrent_s = time.perf_counter() - started
    finally:
        await requester.close()
        await responder.close()
    return {
        "payload_bytes": len(PAYLOAD),
        "sequential": {
            **latency_ms(sequential),
            "round_trips_per_s": round(SEQUENTIAL / sequential_s),
        },
        f"in_flight_{IN_FLIGHT}": {
            **latency_ms(concurrent),
            "round_trips_per_s": round(CONCURRENT / concurrent_s),
        },
    }
