"""Visitors chatting through the gateway: each opens a session, then sends turns one after
another and reads each answer's Server-Sent Events to the end, as the widget does.

Closed loop, loopback only, bounded in time and in count: `concurrency` visitors, each
with one warm-up turn that is not counted, then turns until the time or the count is up."""

import asyncio
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import aiohttp

SITE_KEY = "demo-site-key"


@dataclass(frozen=True)
class TurnTiming:
    question: str
    total_s: float
    first_delta_s: float | None
    docs_turn: bool
    """The docs were searched (a `tool` event came)."""
    outcome: str
    """`done`, an `error` event's code, `http_<status>` or `broken` (no terminal event)."""
    meta_s: float | None = None
    """When the gateway had taken the turn (its `meta` event); None in process."""


@dataclass
class LoadRun:
    concurrency: int
    seconds: float = 0.0
    turns: list[TurnTiming] = field(default_factory=list)
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)
    """CPU time of each process per answered turn, where it was measured."""

    @property
    def answered(self) -> list[TurnTiming]:
        return [turn for turn in self.turns if turn.outcome == "done"]

    def failures(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for turn in self.turns:
            if turn.outcome != "done":
                counts[turn.outcome] = counts.get(turn.outcome, 0) + 1
        return counts


Ask = Callable[[str], Awaitable[TurnTiming]]


async def run_turns(
    ask_for: Sequence[Ask],
    questions: Sequence[str],
    seconds: float,
    max_turns: int,
    measuring: Callable[[], AbstractContextManager[object]] = nullcontext,
    think_s: tuple[float, float] | None = None,
) -> LoadRun:
    """One visitor per `ask` in `ask_for`, all at once: a warm-up turn each, then turns in
    a closed loop for `seconds` (turns started by then are waited for) or `max_turns`.
    With `think_s`, a visitor reads the answer and types the next question for a time drawn
    uniformly from that range before each turn; without, turns follow back to back.
    `measuring` is entered around the counted turns only."""
    rotation = itertools.cycle(questions)
    await asyncio.gather(*(ask(next(rotation)) for ask in ask_for))
    run = LoadRun(concurrency=len(ask_for))
    budget = itertools.count()
    pauses = random.Random(7)  # the same visitors' rhythm on every run

    async def visitor(ask: Ask, stop_at: float) -> None:
        while True:
            if think_s is not None:
                await asyncio.sleep(pauses.uniform(*think_s))
            if time.perf_counter() >= stop_at or next(budget) >= max_turns:
                return
            run.turns.append(await ask(next(rotation)))

    with measuring():
        started = time.perf_counter()
        await asyncio.gather(*(visitor(ask, started + seconds) for ask in ask_for))
        run.seconds = time.perf_counter() - started
    return run


class GatewayVisitors:
    """HTTP visitors of one gateway: sessions opened from its own page origin, kept-alive
    connections (as a browser keeps them). On aiohttp, whose HTTP parsing is in C: the
    visitors share the machine with what they measure, and on httpx they took 16 ms of CPU
    a realistic turn reading its trickle of events, a third of the system's own."""

    def __init__(self, gateway_url: str, concurrency: int) -> None:
        self.origin = gateway_url
        self.client = aiohttp.ClientSession(
            base_url=gateway_url,
            headers={"Origin": gateway_url},
            connector=aiohttp.TCPConnector(limit=concurrency + 4),
            # As httpx's was: 120 s for each step (connecting, each read), not for the whole
            # answer.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=120.0, sock_read=120.0),
        )
        self.concurrency = concurrency

    async def __aenter__(self) -> "GatewayVisitors":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    async def session(self) -> str:
        async with self.client.post("/api/sessions", json={"site_key": SITE_KEY}) as created:
            created.raise_for_status()
            return str((await created.json())["token"])

    async def visitors(self) -> list[Ask]:
        tokens = await asyncio.gather(*(self.session() for _ in range(self.concurrency)))
        return [self._asker(token) for token in tokens]

    def _asker(self, token: str) -> Ask:
        async def ask(question: str) -> TurnTiming:
            return await self.ask(token, question)

        return ask

    async def ask(self, token: str, question: str) -> TurnTiming:
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        first_delta: float | None = None
        meta: float | None = None
        docs_turn = False
        outcome = "broken"
        try:
            async with self.client.post(
                "/api/chat", json={"message": question}, headers=headers
            ) as response:
                if response.status != 200:
                    await response.read()
                    outcome = f"http_{response.status}"
                else:
                    async for event, data in _events(response):
                        if event == "delta" and first_delta is None:
                            first_delta = time.perf_counter() - started
                        elif event == "meta":
                            meta = time.perf_counter() - started
                        elif event == "tool":
                            docs_turn = True
                        elif event == "done":
                            outcome = "done"
                        elif event == "error":
                            outcome = str(json.loads(data).get("code", "error"))
        except (aiohttp.ClientError, TimeoutError, ValueError):  # ValueError: a line too long
            outcome = "broken"
        total = time.perf_counter() - started
        return TurnTiming(question, total, first_delta, docs_turn, outcome, meta)


async def _events(response: aiohttp.ClientResponse) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream; data is left unparsed (the load client
    must stay cheap: it shares the machine with what it measures)."""
    event, data = "message", ""
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield event, data
            event, data = "message", ""
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
