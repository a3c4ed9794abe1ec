"""What an issue filed from the chat looks like, and how a retry recognises its own issue."""

import re
from dataclasses import dataclass
from typing import Protocol

from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult
from copilot_service_defaults.redaction import redact

_MARKER = "<!-- coffee-copilot idempotency-key: {key} -->"
_MARKER_PATTERN = re.compile(r"<!-- coffee-copilot idempotency-key: (\S+) -->")


@dataclass(frozen=True)
class IssueDraft:
    title: str
    body: str
    labels: list[str]
    idempotency_key: str


class TrackerUnavailable(Exception):
    """The tracker cannot take the issue now (rate limit, outage, network); try again later.

    The message is a short reason such as "GitHub rate limit" or "GitHub 502"."""


class IssueTracker(Protocol):
    async def find_by_marker(self, idempotency_key: str) -> CreateGithubIssueResult | None: ...

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult: ...


def marker(idempotency_key: str) -> str:
    return _MARKER.format(key=idempotency_key)


def marker_key(body: str) -> str | None:
    # Ours is the last one: it closes the footer, after anything the visitor wrote.
    matches = _MARKER_PATTERN.findall(body or "")
    return matches[-1] if matches else None


_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)


def _without_comments(text: str) -> str:
    """Strip HTML comments until none is left (one pass can assemble a new one)."""
    while (stripped := _HTML_COMMENT.sub("", text)) != text:
        text = stripped
    return text.replace("<!--", "&lt;!--")


def draft_issue(request: CreateGithubIssueRequest) -> IssueDraft:
    """The issue as filed: what the visitor wrote, redacted, then our own footer."""
    # HTML comments are invisible on GitHub: the visitor's could pose as our marker.
    visitor_text = _without_comments(request.args.body).strip()
    body = (
        f"{redact(visitor_text)}\n\n"
        "---\n"
        f"Filed by Coffee Copilot from conversation `{request.conversation_id}`.\n"
        f"{marker(request.idempotency_key)}\n"
    )
    return IssueDraft(
        title=redact(request.args.title.strip()),
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
