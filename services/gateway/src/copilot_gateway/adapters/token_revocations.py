"""Retired tokens and revoked sessions, in a NATS KV bucket every gateway replica shares."""

import asyncio

from copilot_service_defaults.kv import AttachedBucket
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from copilot_gateway.domain.sessions import Session


class TokenRevocations(AttachedBucket):
    async def retire(self, token_id: str) -> bool:
        """Retire a token that is being renewed; False when it was retired already (a
        second renewal with the same token is a replay)."""
        try:
            await self._kv.create(f"token.{token_id}", b"retired")
        except KeyWrongLastSequenceError:
            return False
        return True

    async def revoke_session(self, session_id: str) -> None:
        """Every token of the session stops working (the visitor's data was erased)."""
        await self._kv.put(f"session.{session_id}", b"revoked")

    async def is_revoked(self, session: Session) -> bool:
        found = await asyncio.gather(
            self._exists(f"token.{session.token_id}"),
            self._exists(f"session.{session.session_id}"),
        )
        return any(found)

    async def _exists(self, key: str) -> bool:
        try:
            await self._kv.get(key)
        except KeyNotFoundError:
            return False
        return True
