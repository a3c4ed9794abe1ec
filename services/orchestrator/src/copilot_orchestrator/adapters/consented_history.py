"""What the orchestrator keeps of a conversation, and for how long.

Every conversation has working memory for follow-up questions, as the visitor wrote it
(an order's name and email are needed a turn later), gone after WORKING_HISTORY_TTL_S.
Only with the visitor's consent is a transcript kept, with personal data redacted, for
TRANSCRIPT_RETENTION_DAYS; a consented conversation resumed after its working memory is
gone continues from that transcript. Both buckets exist once the broker is connected."""

from copilot_contracts import subjects
from copilot_service_defaults.redaction import redact

from copilot_orchestrator.adapters.kv_history import KvHistory


def redacted(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        {key: redact(value) if key == "content" and value else value for key, value in m.items()}
        for m in messages
    ]


class ConsentedHistory:
    def __init__(self) -> None:
        self.working: KvHistory | None = None
        self.transcripts: KvHistory | None = None

    def _stores(self) -> tuple[KvHistory, KvHistory]:
        if self.working is None or self.transcripts is None:
            raise RuntimeError("conversation history is kept only once the broker is connected")
        return self.working, self.transcripts

    async def load(self, conversation_id: str, kept: bool) -> list[dict[str, str]]:
        working, transcripts = self._stores()
        past = await working.load(conversation_id)
        if not past and kept:
            past = await transcripts.load(conversation_id)
        return past

    async def append(
        self,
        conversation_id: str,
        messages: list[dict[str, str]],
        kept: bool,
        session_id: str | None = None,
    ) -> None:
        working, transcripts = self._stores()
        await working.append(conversation_id, messages)
        if kept:
            await transcripts.append(conversation_id, redacted(messages))
            if session_id:  # so that erasing the session finds its transcripts, kept as long
                index = subjects.transcript_index(session_id, conversation_id)
                await transcripts.bucket.put(index, b"")
