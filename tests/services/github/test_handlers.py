"""The GitHub service's bus handler over a real NATS server, PyGithub against a fake GitHub."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from copilot_contracts import subjects
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.handlers import build_router
from faststream.nats import NatsBroker

from tests.services.github.adapters.test_github_tracker import issue_request
from tests.support.fake_github import FakeGithub, Refusal


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with FakeGithub() as fake:
        yield fake


@pytest.fixture
async def broker(private_nats_url: str, github: FakeGithub) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(private_nats_url)
    broker.include_router(build_router(GithubTracker(github.token, github.repo, github.url)))
    async with broker:
        await broker.start()
        yield broker


async def ask(broker: NatsBroker, body: Any) -> dict[str, Any]:
    response = await broker.request(body, subjects.TOOL_GITHUB_ISSUE_CREATE, timeout=10)
    decoded: dict[str, Any] = await response.decode()  # type: ignore[assignment]
    return decoded


async def test_files_the_issue_and_replies_with_it(broker: NatsBroker, github: FakeGithub) -> None:
    reply = await ask(broker, issue_request("conv:call_1"))
    assert reply["error"] is None
    assert reply["result"]["number"] == 1 and reply["result"]["dry_run"] is False
    assert len(github.issues) == 1


async def test_a_rate_limited_github_is_a_clear_tool_error(
    broker: NatsBroker, github: FakeGithub
) -> None:
    github.refuse_next(
        Refusal(403, "API rate limit exceeded", {"x-ratelimit-remaining": "0", "retry-after": "60"})
    )
    reply = await ask(broker, issue_request("conv:call_1"))
    assert reply["result"] is None
    assert reply["error"]["code"] == "github_error"
    assert "403" in reply["error"]["message"]
    assert github.issues == []


async def test_invalid_arguments_are_refused_before_github_is_called(
    broker: NatsBroker, github: FakeGithub
) -> None:
    body = issue_request("conv:call_1").model_dump(mode="json")
    body["args"]["title"] = "x"
    reply = await ask(broker, body)
    assert reply["error"]["code"] == "invalid_arguments"
    assert "title" in reply["error"]["message"]
    assert github.requests == []
