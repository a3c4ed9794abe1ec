from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult
from copilot_github.domain.issues import IssueDraft, draft_issue, file_issue, marker_key


def _request(key: str = "conv:call_1") -> CreateGithubIssueRequest:
    return CreateGithubIssueRequest.model_validate(
        {
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {
                "title": "Checkout button does nothing",
                "body": "Clicking it on mobile fails.",
                "labels": ["bug"],
            },
        }
    )


def test_body_records_the_conversation_and_a_hidden_marker() -> None:
    draft = draft_issue(_request())
    assert "c" * 32 in draft.body
    assert marker_key(draft.body) == "conv:call_1"
    assert draft.labels == ["bug", "copilot"]


class MemoryTracker:
    def __init__(self) -> None:
        self.created: list[IssueDraft] = []

    async def find_by_marker(self, key: str) -> CreateGithubIssueResult | None:
        for number, draft in enumerate(self.created, start=1):
            if draft.idempotency_key == key:
                return CreateGithubIssueResult(title=draft.title, dry_run=False, number=number)
        return None

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult:
        self.created.append(draft)
        return CreateGithubIssueResult(title=draft.title, dry_run=False, number=len(self.created))


async def test_a_retry_finds_the_issue_instead_of_filing_a_second() -> None:
    tracker = MemoryTracker()
    first = await file_issue(tracker, _request())
    again = await file_issue(tracker, _request())
    assert first.number == again.number == 1
    assert len(tracker.created) == 1
