"""Issues on GitHub through PyGithub (blocking calls run in worker threads).

Rate limits, 5xx answers and network errors are retried a few times with exponential backoff
and jitter, waiting as long as GitHub asks (`Retry-After`, `x-ratelimit-reset`) but never
longer than `max_delay`: when GitHub asks for more, or the attempts run out, the tracker
raises `TrackerUnavailable` so the caller can try again later. Other refusals (bad
credentials, unknown repository, validation) are not retried and raise `GithubException`."""

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import TypeVar

import requests
from copilot_contracts.tools import CreateGithubIssueResult
from github import Auth, Github, GithubException, RateLimitExceededException
from github.Issue import Issue

from copilot_github.domain.issues import IssueDraft, TrackerUnavailable, marker, marker_key

# How far back a retry looks for its own issue; retries come within minutes, not months.
RECENT_ISSUES = 100
DEFAULT_ATTEMPTS = 3
DEFAULT_BASE_DELAY_S = 0.5
DEFAULT_MAX_DELAY_S = 4.0

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransientFailure:
    """A failure worth another attempt: why, and how long GitHub asked us to wait, if it did."""

    reason: str
    wait_s: float | None = None


def _requested_wait(headers: dict[str, str], now: float) -> float | None:
    """Seconds GitHub asks for, from `Retry-After` (seconds or a date) or the rate-limit reset."""
    if retry_after := headers.get("retry-after"):
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
            except (TypeError, ValueError):
                return None
    if headers.get("x-ratelimit-remaining") == "0" and (reset := headers.get("x-ratelimit-reset")):
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


def transient_failure(exc: Exception, now: float | None = None) -> TransientFailure | None:
    """What makes `exc` worth retrying, or None when retrying would not help."""
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return TransientFailure("GitHub unreachable")
    if not isinstance(exc, GithubException):
        return None
    headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
    now = time.time() if now is None else now
    rate_limited = exc.status == 429 or (
        exc.status == 403
        and (
            isinstance(exc, RateLimitExceededException)
            or headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in headers
        )
    )
    if rate_limited:
        return TransientFailure("GitHub rate limit", _requested_wait(headers, now))
    if exc.status >= 500:
        return TransientFailure(f"GitHub {exc.status}", _requested_wait(headers, now))
    return None


class GithubTracker:
    def __init__(
        self,
        token: str,
        repo: str,
        api_url: str,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        base_delay_s: float = DEFAULT_BASE_DELAY_S,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
    ) -> None:
        if attempts < 1 or base_delay_s < 0 or max_delay_s < 0:
            raise ValueError("attempts must be at least 1 and delays not negative")
        # PyGithub's own retries stay off: this class decides what is retried and for how long.
        self._github = Github(auth=Auth.Token(token), base_url=api_url, retry=None)
        self._repo_name = repo
        self._attempts = attempts
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s

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

    def _create(self, draft: IssueDraft, *, look_first: bool) -> CreateGithubIssueResult:
        # After a failed attempt GitHub may have filed the issue all the same (a 502 from a
        # proxy, a timeout while reading the answer): look for it before filing again.
        if look_first and (found := self._find(draft.idempotency_key)) is not None:
            return found
        repo = self._github.get_repo(self._repo_name)
        issue = repo.create_issue(title=draft.title, body=draft.body, labels=draft.labels)
        return self._result(issue)

    def _delay(self, attempt: int, failure: TransientFailure) -> float | None:
        """Seconds to wait before the next attempt, or None when GitHub asks for too long."""
        jitter = random.uniform(0, self._base_delay_s)  # nosec B311 # jitter, not a secret
        if failure.wait_s is not None:
            if failure.wait_s > self._max_delay_s:
                return None
            return min(failure.wait_s + jitter, self._max_delay_s)
        return min(self._base_delay_s * 2.0 ** (attempt - 1) + jitter, self._max_delay_s)

    async def _with_retries(self, what: str, call: Callable[[int], T]) -> T:
        """`call(attempt)` in a worker thread, retried while the failure is transient."""
        for attempt in range(1, self._attempts + 1):
            try:
                return await asyncio.to_thread(call, attempt)
            except (GithubException, requests.RequestException) as exc:
                failure = transient_failure(exc)
                if failure is None:
                    raise
                delay = self._delay(attempt, failure) if attempt < self._attempts else None
                if delay is None:
                    log.warning(
                        "%s: %s after %d attempt(s), giving up", what, failure.reason, attempt
                    )
                    raise TrackerUnavailable(failure.reason) from exc
                log.info("%s: %s, attempt %d in %.2fs", what, failure.reason, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def find_by_marker(self, idempotency_key: str) -> CreateGithubIssueResult | None:
        return await self._with_retries("finding the issue", lambda _: self._find(idempotency_key))

    async def create(self, draft: IssueDraft) -> CreateGithubIssueResult:
        if marker(draft.idempotency_key) not in draft.body:
            # Without its marker a retried filing could not find the issue: a duplicate.
            raise ValueError("the issue body must carry its idempotency marker")
        return await self._with_retries(
            "filing the issue", lambda attempt: self._create(draft, look_first=attempt > 1)
        )
