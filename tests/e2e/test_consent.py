"""Consent decides what is kept: every conversation has an hour of working memory; only
with consent is a transcript kept, redacted, for the retention period."""

import asyncio

import httpx
import nats
import pytest
from copilot_contracts import subjects
from nats.js.errors import KeyNotFoundError

from tests.conftest import NatsForTests
from tests.e2e.conftest import RunningSystem

pytestmark = pytest.mark.security


async def _stored_in(bus: NatsForTests, conversation_id: str) -> set[str]:
    nc = await nats.connect(bus.url, **bus.login())
    js = nc.jetstream()
    found = set()
    for bucket in (subjects.HISTORY_BUCKET, subjects.WORKING_HISTORY_BUCKET):
        kv = await js.key_value(bucket)
        try:
            await kv.get(conversation_id)
            found.add(bucket)
        except KeyNotFoundError:
            pass
    await nc.close()
    return found


@pytest.mark.parametrize(
    ("consent", "buckets"),
    [
        (False, {subjects.WORKING_HISTORY_BUCKET}),
        (True, {subjects.WORKING_HISTORY_BUCKET, subjects.HISTORY_BUCKET}),
    ],
)
def test_a_transcript_is_kept_only_with_consent(
    system: RunningSystem, consent: bool, buckets: set[str]
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        created = client.post(
            "/api/sessions", json={"site_key": "demo-site-key", "consent": consent}
        )
        token = created.json()["token"]
        _, events = system.ask(client, token, "What is your returns policy?")
    conversation_id = str(events[0][1]["conversation_id"])
    assert asyncio.run(_stored_in(system.nats, conversation_id)) == buckets
