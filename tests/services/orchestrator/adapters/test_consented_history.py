"""Working memory for every conversation; a redacted transcript only with consent."""

from collections.abc import AsyncIterator

import nats
import pytest
from copilot_orchestrator.adapters.consented_history import ConsentedHistory
from copilot_orchestrator.adapters.kv_history import KvHistory
from copilot_service_defaults.jetstream import ensure_key_value

pytestmark = pytest.mark.security
TURN = [
    {"role": "user", "content": "Order 2 bags. I'm Ada, ada@example.com, +44 20 7946 0958"},
    {"role": "assistant", "content": "Prepared for ada@example.com."},
]


@pytest.fixture
async def history(private_nats_url: str) -> AsyncIterator[ConsentedHistory]:
    connection = await nats.connect(private_nats_url)
    js = connection.jetstream()
    store = ConsentedHistory()
    store.working = KvHistory(await ensure_key_value(js, "test_working", 3600), 20)
    store.transcripts = KvHistory(await ensure_key_value(js, "test_transcripts", 86_400), 20)
    yield store
    await connection.close()


async def test_without_consent_only_working_memory_is_kept(history: ConsentedHistory) -> None:
    await history.append("c-no-consent", TURN, kept=False)
    assert await history.load("c-no-consent", kept=False) == TURN
    assert history.transcripts is not None
    assert await history.transcripts.load("c-no-consent") == []


async def test_with_consent_the_kept_transcript_is_redacted(history: ConsentedHistory) -> None:
    await history.append("c-consent", TURN, kept=True)
    assert await history.load("c-consent", kept=True) == TURN, "the next turn sees it as written"
    assert history.transcripts is not None
    transcript = await history.transcripts.load("c-consent")
    text = str(transcript)
    assert "ada@example.com" not in text and "7946" not in text
    assert "[redacted email]" in text and transcript[0]["role"] == "user"


async def test_a_consented_conversation_resumes_from_its_transcript(
    history: ConsentedHistory,
) -> None:
    assert history.transcripts is not None
    await history.transcripts.append("c-old", [{"role": "user", "content": "hello"}])
    assert await history.load("c-old", kept=True) == [{"role": "user", "content": "hello"}]
    assert await history.load("c-old", kept=False) == []
