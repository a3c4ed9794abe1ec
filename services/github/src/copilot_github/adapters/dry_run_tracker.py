"""Without a GitHub token, issues are recorded in a local JSON Lines file instead."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from copilot_contracts.tools import CreateGithubIssueResult

from copilot_github.domain.issues import IssueDraft


class DryRunTracker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def _records(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    async def find_by_marker(self, idempotency_key: str) -> CreateGithubIssueResult | None:
        for record in self._records():
            if record["idempotency_key"] == idempotency_key:
                return CreateGithubIssueResult(title=str(record["title"]), dry_run=True)
        return None

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult:
        record = {
            "recorded_at": datetime.now(UTC).isoformat(),
            "title": draft.title,
            "body": draft.body,
            "labels": draft.labels,
            "idempotency_key": draft.idempotency_key,
        }
        async with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        return CreateGithubIssueResult(title=draft.title, dry_run=True)
