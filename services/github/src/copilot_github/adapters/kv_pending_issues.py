"""Prepared reports in a NATS KV bucket, so any GitHub-service replica can send one."""

from copilot_service_defaults.kv import AttachedBucket
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

from copilot_github.domain.confirmations import PendingIssue


class KvPendingIssues(AttachedBucket):
    async def add(self, pending: PendingIssue) -> PendingIssue:
        """Store a newly prepared report; the one stored first when it was prepared before."""
        try:
            await self._kv.create(pending.action_id, pending.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            existing = await self.get(pending.action_id)
            if existing is None:
                raise
            return existing
        return pending

    async def get(self, action_id: str) -> PendingIssue | None:
        return (await self.read(action_id))[0]

    async def read(self, action_id: str) -> tuple[PendingIssue | None, int]:
        """The report and its revision, for `save`."""
        try:
            entry = await self._kv.get(action_id)
        except KeyNotFoundError:
            return None, 0
        return PendingIssue.model_validate_json(entry.value or b"{}"), entry.revision or 0

    async def save(self, pending: PendingIssue, revision: int) -> int:
        """Store the report if nobody changed it since `revision` was read, else raise
        ChangedMeanwhile: of two decisions racing, one wins. The new revision."""
        try:
            return await self._kv.update(
                pending.action_id, pending.model_dump_json().encode(), last=revision
            )
        except KeyWrongLastSequenceError as exc:
            raise ChangedMeanwhile(pending.action_id) from exc


class ChangedMeanwhile(Exception):
    """Another decision changed the report first."""
