"""Every turn leaves a summary on the bus for the insights; the question only with consent."""

import asyncio
from typing import Any

import httpx
import nats
from copilot_contracts import subjects
from copilot_contracts.insights import TurnAnswered
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.conftest import NatsForTests, wait_until
from tests.e2e.conftest import RunningSystem


async def _summaries(bus: NatsForTests) -> list[TurnAnswered]:
    nc = await nats.connect(bus.url, **bus.login())
    try:
        js = nc.jetstream()
        reader = await js.pull_subscribe(
            subjects.INSIGHTS_TURN_WILDCARD,
            stream=subjects.INSIGHTS_STREAM,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
        )
        found: list[TurnAnswered] = []
        try:
            while True:
                batch = await reader.fetch(256, timeout=0.5)
                found += [TurnAnswered.model_validate_json(m.data) for m in batch]
        except (TimeoutError, nats.errors.TimeoutError):
            return found
    finally:
        await nc.close()


def _ask(system: RunningSystem, consent: bool, message: str) -> dict[str, Any]:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        created = client.post(
            "/api/sessions", json={"site_key": "demo-site-key", "consent": consent}
        )
        _, events = system.ask(client, created.json()["token"], message)
    return dict(events[0][1])


def test_each_turn_is_summed_up_with_its_tools_and_citations(system: RunningSystem) -> None:
    kept = _ask(system, True, "How should I store my coffee beans? Mail me: ada@example.com")
    private = _ask(system, False, "What is the free shipping threshold?")

    def summary_of(turn_id: str) -> TurnAnswered | None:
        found = asyncio.run(_summaries(system.nats))
        return next((s for s in found if s.turn_id == turn_id), None)

    wait_until(lambda: summary_of(kept["turn_id"]) and summary_of(private["turn_id"]), timeout=10)
    with_consent = summary_of(kept["turn_id"])
    assert with_consent is not None and with_consent.outcome == "answered"
    assert with_consent.citations > 0 and with_consent.response_ms > 0
    assert [(t.tool, t.ok) for t in with_consent.tools] == [("searchDocs", True)]
    assert with_consent.question and "store my coffee beans" in with_consent.question
    assert "ada@example.com" not in with_consent.question
    without = summary_of(private["turn_id"])
    assert without is not None and without.question is None and not without.consent
