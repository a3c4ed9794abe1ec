"""Issues on GitHub through PyGithub (blocking calls run in worker threads)."""

import asyncio
from itertools import islice

from copilot_contracts.tools import CreateGithubIssueResult
from github import Auth, Github
from github.Issue import Issue

from copilot_github.domain.issues import IssueDraft, marker, marker_key

# How far back a retry looks for its own issue; retries come within minutes, not months.
RECENT_ISSUES = 100


class GithubTracker:
    def __init__(self, token: str, repo: str, api_url: str) -> None:
        self._github = Github(auth=Auth.Token(token), base_url=api_url, retry=None)
        self._repo_name = repo

    @staticmethod
    def _result(issue: Issue) -> CreateGithubIssueResult:
        return CreateGithubIssueResult(
            title=issue.title, dry_run=False, number=issue.number, url=issue.html_url
        )

    def _find(self, idempotency_key: str) -> CreateGithubIssueResult | None:
        # Recent issues filed by the copilot; the marker in the body identifies the request.
        # islice, not a slice: PyGithub's slice of an empty list raises IndexError.
        repo = self._github.get_repo(self._repo_name)
        issues = repo.get_issues(state="all", labels=["copilot"], sort="created")
        for issue in islice(issues, RECENT_ISSUES):
            if marker_key(issue.body or "") == idempotency_key:
                return self._result(issue)
        return None

    def _create(self, draft: IssueDraft) -> CreateGithubIssueResult:
        repo = self._github.get_repo(self._repo_name)
        issue = repo.create_issue(title=draft.title, body=draft.body, labels=draft.labels)
        return self._result(issue)

    async def find_by_marker(self, idempotency_key: str) -> CreateGithubIssueResult | None:
        return await asyncio.to_thread(self._find, idempotency_key)

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult:
        assert marker(draft.idempotency_key) in draft.body
        return await asyncio.to_thread(self._create, draft)
