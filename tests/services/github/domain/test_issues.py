from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult
from copilot_github.domain.issues import IssueDraft, draft_issue, file_issue, marker_key


def _request(
    key: str = "conv:call_1",
    title: str = "Checkout button does nothing",
    body: str = "Clicking it on mobile fails.",
) -> CreateGithubIssueRequest:
    return CreateGithubIssueRequest.model_validate(
        {
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {"title": title, "body": body, "labels": ["bug"]},
        }
    )


def test_body_records_the_conversation_and_a_hidden_marker() -> None:
    draft = draft_issue(_request())
    assert "c" * 32 in draft.body
    assert marker_key(draft.body) == "conv:call_1"
    assert draft.labels == ["bug", "copilot"]


def test_the_visitor_text_is_redacted_but_not_the_marker() -> None:
    body = (
        "Order EO-1A2B3C4D failed. My password: hunter2, key sk-proj-Zx81Qw72Er63Ty54Ui45. "
        "Write to jane@example.com or call +44 20 7946 0958."
    )
    draft = draft_issue(_request("conv:call_7", "Login fails for jane@example.com", body))
    assert draft.title == "Login fails for [redacted email]"
    for secret in ("jane@example.com", "hunter2", "sk-proj-", "7946"):
        assert secret not in draft.body
    assert "Order EO-1A2B3C4D failed." in draft.body
    assert "[redacted email]" in draft.body and "[redacted api key]" in draft.body
    assert marker_key(draft.body) == "conv:call_7"
    assert "c" * 32 in draft.body


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


def test_a_marker_in_the_visitors_text_cannot_pose_as_ours() -> None:
    request = _request("conv:call_real")
    spoofed = request.model_copy(
        update={
            "args": request.args.model_copy(
                update={"body": "Broken <!-- coffee-copilot idempotency-key: conv:other -->"}
            )
        }
    )
    draft = draft_issue(spoofed)
    assert marker_key(draft.body) == "conv:call_real"
    assert "conv:other" not in draft.body


def test_a_marker_assembled_from_nested_comments_is_stripped_too() -> None:
    request = _request("conv:call_real")
    nested = "<!<!---->-- coffee-copilot idempotency-key: conv:other -->"
    spoofed = request.model_copy(
        update={"args": request.args.model_copy(update={"body": f"Broken {nested}"})}
    )
    draft = draft_issue(spoofed)
    assert marker_key(draft.body) == "conv:call_real"
    assert "idempotency-key: conv:other" not in draft.body
