"""Bus handlers: decode the request, call the domain, reply."""

import logging
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.tools import (
    CreateGithubIssueRequest,
    CreateGithubIssueResult,
    ToolReply,
)
from copilot_service_defaults.validation import validation_summary
from faststream.nats import NatsRouter
from github import GithubException
from pydantic import ValidationError

from copilot_github.domain.issues import IssueTracker, file_issue

log = logging.getLogger(__name__)


def build_router(tracker: IssueTracker) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(subjects.TOOL_GITHUB_ISSUE_CREATE, queue="github")
    async def create_issue(body: dict[str, Any]) -> ToolReply[CreateGithubIssueResult]:
        try:
            request = CreateGithubIssueRequest.model_validate(body)
        except ValidationError as exc:
            return ToolReply.failed("invalid_arguments", validation_summary(exc))
        try:
            result = await file_issue(tracker, request)
        except GithubException as exc:
            log.warning("GitHub refused the issue: status %s", exc.status)
            return ToolReply.failed("github_error", f"GitHub answered with status {exc.status}.")
        log.info("issue filed (dry run: %s)", result.dry_run)
        return ToolReply.ok(result)

    return router
