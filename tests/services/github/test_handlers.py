"""The GitHub service's bus handler over a real NATS server (JetStream, as in production),
PyGithub against a local fake of the GitHub API."""

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.handlers import build_router, pause_before
from copilot_service_defaults.durable_requests import durable_request
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker

from tests.conftest import eventually
from tests.services.github.adapters.test_github_tracker import issue_request
from tests.support.fake_github import FakeGithub, Refusal

_requests = itertools.count()


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with FakeGithub() as fake:
        yield fake


@pytest.fixture
async def broker(private_nats_url: str, github: FakeGithub) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(private_nats_url)
    tracker = GithubTracker(github.token, github.repo, github.url, max_delay_s=0.01)
    broker.include_router(build_router(tracker, first_pause_s=0.2))
    async with broker:
        await ensure_stream(broker.connection.jetstream(), ACTIONS, replicas=1)
        await broker.start()
        yield broker
    # A module-wide bus: drop what this test left queued so the next test starts clean.
    async with NatsBroker(private_nats_url) as cleaner:
        await cleaner.connection.jetstream().purge_stream(subjects.ACTIONS_STREAM)


async def ask(broker: NatsBroker, body: Any) -> dict[str, Any]:
    reply: dict[str, Any] = await durable_request(
        broker,
        body,
        subjects.TOOL_GITHUB_ISSUE_CREATE,
        subjects.ACTIONS_STREAM,
        msg_id=f"request-{next(_requests)}",
        timeout_s=15,
    )
    return reply


async def test_files_the_issue_and_replies_with_it(broker: NatsBroker, github: FakeGithub) -> None:
    reply = await ask(broker, issue_request("conv:call_1"))
    assert reply["error"] is None
    assert reply["result"]["number"] == 1 and reply["result"]["dry_run"] is False
    assert len(github.issues) == 1


async def test_five_deliveries_of_one_tool_message_file_one_issue(
    broker: NatsBroker, github: FakeGithub
) -> None:
    replies = [await ask(broker, issue_request("conv:call_5x")) for _ in range(5)]
    assert {r["result"]["number"] for r in replies} == {1}
    assert len(github.issues) == 1


async def test_while_github_is_down_the_report_waits_and_is_filed_later(
    broker: NatsBroker, github: FakeGithub
) -> None:
    github.refuse_next(Refusal.server_error(502), times=4)
    reply = await ask(broker, issue_request("conv:call_outage"))
    assert reply["error"] is None and reply["result"]["queued"] is True
    assert github.issues == []
    await eventually(lambda: len(github.issues) == 1, within_s=20)
    assert github.issues[0]["title"] == "Checkout fails on mobile"


async def test_a_rate_limited_github_queues_the_report(
    broker: NatsBroker, github: FakeGithub
) -> None:
    github.refuse_next(Refusal.rate_limit(retry_after="60"))
    reply = await ask(broker, issue_request("conv:call_rate"))
    assert reply["result"]["queued"] is True
    await eventually(lambda: len(github.issues) == 1, within_s=20)


async def test_a_refusal_from_github_is_a_clear_tool_error(
    broker: NatsBroker, github: FakeGithub
) -> None:
    github.refuse_next(Refusal(404, "Not Found"))
    reply = await ask(broker, issue_request("conv:call_404"))
    assert reply["result"] is None
    assert reply["error"]["code"] == "github_error"
    assert "404" in reply["error"]["message"]


async def test_invalid_arguments_are_refused_before_github_is_called(
    broker: NatsBroker, github: FakeGithub
) -> None:
    body = issue_request("conv:call_bad").model_dump(mode="json")
    body["args"]["title"] = "x"
    reply = await ask(broker, body)
    assert reply["error"]["code"] == "invalid_arguments"
    assert "title" in reply["error"]["message"]
    assert github.requests == []


def test_pauses_grow_and_stop_at_an_hour() -> None:
    assert [pause_before(n) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert pause_before(20) == 3600.0
