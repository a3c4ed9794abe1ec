import json
from pathlib import Path

from copilot_contracts.tools import CreateGithubIssueRequest
from copilot_github.adapters.dry_run_tracker import DryRunTracker
from copilot_github.domain.issues import file_issue


async def test_dry_run_records_once_per_key(tmp_path: Path) -> None:
    tracker = DryRunTracker(tmp_path / "issues.jsonl")
    request = CreateGithubIssueRequest.model_validate(
        {
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": "conv:call_9",
            "args": {
                "title": "Feedback on the menu page",
                "body": "Add tasting notes.",
                "labels": ["feedback"],
            },
        }
    )
    first = await file_issue(tracker, request)
    again = await file_issue(tracker, request)
    assert first.dry_run and again.dry_run
    records = [json.loads(line) for line in (tmp_path / "issues.jsonl").read_text().splitlines()]
    assert len(records) == 1
    assert records[0]["title"] == "Feedback on the menu page"
    assert "conv:call_9" in records[0]["body"]
