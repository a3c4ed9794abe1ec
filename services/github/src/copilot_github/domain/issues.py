"""What an issue filed from the chat looks like, and how a retry recognises its own issue."""

import re
from dataclasses import dataclass
from typing import Protocol

from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult

_MARKER = "<!-- coffee-copilot idempotency-key: {key} -->"
_MARKER_PATTERN = re.compile(r"<!-- coffee-copilot idempotency-key: (\S+) -->")


@dataclass(frozen=True)
class IssueDraft:
    title: str
    body: str
    labels: list[str]
    idempotency_key: str


class IssueTracker(Protocol):
    async def find_by_marker(self, idempotency_key: str) -> CreateGithubIssueResult | None: ...

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult: ...


def marker(idempotency_key: str) -> str:
    return _MARKER.format(key=idempotency_key)


def marker_key(body: str) -> str | None:
    match = _MARKER_PATTERN.search(body or "")
    return match.group(1) if match else None


def draft_issue(request: CreateGithubIssueRequest) -> IssueDraft:
    body = (
        f"{request.args.body.strip()}\n\n"
        "---\n"
        f"Filed by Coffee Copilot from conversation `{request.conversation_id}`.\n"
        f"{marker(request.idempotency_key)}\n"
    )
    return IssueDraft(
        title=request.args.title.strip(),
        body=body,
        labels=sorted({"copilot", *request.args.labels}),
        idempotency_key=request.idempotency_key,
    )


async def file_issue(
    tracker: IssueTracker, request: CreateGithubIssueRequest
) -> CreateGithubIssueResult:
    """Create the issue unless an earlier attempt with the same key already did."""
    if (existing := await tracker.find_by_marker(request.idempotency_key)) is not None:
        return existing
    return await tracker.create(draft_issue(request))
