"""Conversation history in a NATS KV bucket, so any orchestrator replica can take a turn."""

import json

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue


class KvHistory:
    def __init__(self, bucket: KeyValue, max_messages: int) -> None:
        self.bucket = bucket
        self.max_messages = max_messages

    async def _read(self, conversation_id: str) -> tuple[list[dict[str, str]], int]:
        try:
            entry = await self.bucket.get(conversation_id)
        except KeyNotFoundError:
            return [], 0
        return json.loads(entry.value or b"[]"), entry.revision or 0

    async def load(self, conversation_id: str) -> list[dict[str, str]]:
        return (await self._read(conversation_id))[0]

    async def append(self, conversation_id: str, messages: list[dict[str, str]]) -> None:
        # Optimistic concurrency: two turns of one conversation never overwrite each other.
        for _ in range(5):
            past, revision = await self._read(conversation_id)
            value = json.dumps((past + messages)[-self.max_messages :]).encode()
            try:
                if revision:
                    await self.bucket.update(conversation_id, value, last=revision)
                else:
                    await self.bucket.create(conversation_id, value)
                return
            except KeyWrongLastSequenceError:
                continue
        raise RuntimeError(f"history of {conversation_id} kept changing; gave up appending")
