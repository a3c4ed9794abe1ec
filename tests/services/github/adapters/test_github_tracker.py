"""Issues filed through the real PyGithub client against a local fake of the GitHub API."""

import time
from collections.abc import Iterator

import pytest
from copilot_contracts.tools import CreateGithubIssueRequest
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.domain.issues import TrackerUnavailable, file_issue, marker_key
from github import BadCredentialsException, GithubException

from tests.conftest import free_port
from tests.support.fake_github import FakeGithub, Refusal


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


def tracker_for(
    github: FakeGithub, token: str | None = None, attempts: int = 3, max_delay_s: float = 0.01
) -> GithubTracker:
    return GithubTracker(
        token or github.token,
        github.repo,
        github.url,
        attempts=attempts,
        base_delay_s=0.001,
        max_delay_s=max_delay_s,
    )


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


async def test_a_wrong_token_is_refused_without_retrying(github: FakeGithub) -> None:
    with pytest.raises(BadCredentialsException):
        await file_issue(tracker_for(github, token="ghp_wrong"), issue_request("conv:call_1"))
    assert github.issues == []
    assert len(github.requests) == 1


async def test_a_validation_error_is_not_retried(github: FakeGithub) -> None:
    github.refuse_next(Refusal(422, "Validation Failed", method="POST"))
    with pytest.raises(GithubException) as refused:
        await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert refused.value.status == 422
    assert github.posts() == 1


async def test_a_502_then_success_files_exactly_one_issue(github: FakeGithub) -> None:
    github.refuse_next(Refusal.server_error(502, method="POST"))
    result = await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert result.number == 1
    assert len(github.issues) == 1
    assert github.posts() == 2


async def test_a_502_after_github_filed_the_issue_does_not_file_it_twice(
    github: FakeGithub,
) -> None:
    github.refuse_next(Refusal.server_error(502, method="POST", after_effect=True))
    result = await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert result.number == 1
    assert len(github.issues) == 1
    assert github.posts() == 1, "the retry found the issue instead of posting again"


async def test_a_rate_limit_with_retry_after_then_success(github: FakeGithub) -> None:
    github.refuse_next(Refusal.rate_limit(retry_after="0"))
    result = await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert result.number == 1
    assert len(github.issues) == 1


async def test_a_secondary_rate_limit_429_waits_for_the_reset(github: FakeGithub) -> None:
    github.refuse_next(
        Refusal.rate_limit(retry_after=None, reset_at=int(time.time()), status=429), times=2
    )
    result = await file_issue(tracker_for(github), issue_request("conv:call_1"))
    assert result.number == 1
    assert len(github.issues) == 1


async def test_a_rate_limit_longer_than_the_cap_gives_up_at_once(github: FakeGithub) -> None:
    github.refuse_next(Refusal.rate_limit(retry_after="60"))
    started = time.monotonic()
    with pytest.raises(TrackerUnavailable, match="GitHub rate limit"):
        await file_issue(tracker_for(github, max_delay_s=1.0), issue_request("conv:call_1"))
    assert time.monotonic() - started < 1.0, "it did not wait for a minute, nor for the cap"
    assert len(github.requests) == 1
    assert github.issues == []


async def test_a_persistent_503_is_unavailable_after_the_configured_attempts(
    github: FakeGithub,
) -> None:
    github.refuse_next(Refusal.server_error(503), times=10)
    with pytest.raises(TrackerUnavailable, match="GitHub 503"):
        await file_issue(tracker_for(github, attempts=4), issue_request("conv:call_1"))
    assert len(github.requests) == 4
    assert github.issues == []


async def test_an_unreachable_github_is_unavailable() -> None:
    tracker = GithubTracker(
        "ghp_test", "ember-oak/website", f"http://127.0.0.1:{free_port()}", max_delay_s=0.01
    )
    with pytest.raises(TrackerUnavailable, match="GitHub unreachable"):
        await file_issue(tracker, issue_request("conv:call_1"))
