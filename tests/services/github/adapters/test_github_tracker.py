"""Issues filed through the real PyGithub client against a local fake of the GitHub API."""

from collections.abc import Iterator

import pytest
from copilot_contracts.tools import CreateGithubIssueRequest
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.domain.issues import file_issue, marker_key
from github import BadCredentialsException

from tests.support.fake_github import FakeGithub


def issue_request(key: str, title: str = "Checkout fails on mobile") -> CreateGithubIssueRequest:
    return CreateGithubIssueRequest.model_validate(
        {
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {"title": title, "body": "Clicking it on mobile fails.", "labels": ["bug"]},
        }
    )


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with FakeGithub() as fake:
        yield fake


def tracker_for(github: FakeGithub, token: str | None = None) -> GithubTracker:
    return GithubTracker(token or github.token, github.repo, github.url)


async def test_files_an_issue_with_labels_and_a_hidden_marker(github: FakeGithub) -> None:
    result = await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert not result.dry_run
    assert result.number == 1 and result.url == f"https://github.test/{github.repo}/issues/1"
    [issue] = github.issues
    assert issue["title"] == "Checkout fails on mobile"
    assert {label["name"] for label in issue["labels"]} == {"bug", "copilot"}
    assert marker_key(issue["body"]) == "conv:call_1"
    assert "c" * 32 in issue["body"], "the issue records the conversation"


async def test_a_retry_finds_its_issue_instead_of_filing_a_second(github: FakeGithub) -> None:
    tracker = tracker_for(github)
    first = await file_issue(tracker, issue_request("conv:call_1"))
    again = await file_issue(tracker, issue_request("conv:call_1"))
    other = await file_issue(tracker, issue_request("conv:call_2", title="Menu page typo"))
    assert again.number == first.number == 1
    assert other.number == 2
    assert github.posts() == 2


async def test_a_wrong_token_is_refused(github: FakeGithub) -> None:
    with pytest.raises(BadCredentialsException):
        await file_issue(tracker_for(github, token="ghp_wrong"), issue_request("conv:call_1"))
    assert github.issues == []
