"""The GitHub service's bus handlers over a real NATS server (JetStream, as in production),
PyGithub against a local fake of the GitHub API: a report is prepared, and filed only when
the visitor's session sends it."""

import itertools
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from copilot_contracts import subjects
from copilot_contracts.issues import IssueDecisionRequested, IssueQuery
from copilot_contracts.streams import ACTIONS
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.adapters.kv_pending_issues import KvPendingIssues
from copilot_github.handlers import build_router, pause_before
from copilot_service_defaults.durable_requests import durable_request
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker

from tests.conftest import eventually
from tests.services.github.adapters.test_github_tracker import issue_request
from tests.support.fake_github import FakeGithub, Refusal

pytestmark = pytest.mark.security

SESSION = "s" * 32
_requests = itertools.count()
_buckets = itertools.count()


@pytest.fixture
def github() -> Iterator[FakeGithub]:
    with FakeGithub() as fake:
        yield fake


@pytest.fixture
def confirmation_ttl() -> timedelta:
    return timedelta(minutes=15)


@pytest.fixture
async def broker(
    private_nats_url: str, github: FakeGithub, confirmation_ttl: timedelta
) -> AsyncIterator[NatsBroker]:
    broker = NatsBroker(private_nats_url)
    tracker = GithubTracker(github.token, github.repo, github.url, max_delay_s=0.01)
    pending = KvPendingIssues()
    broker.include_router(
        build_router(
            tracker, pending, dry_run=False, confirmation_ttl=confirmation_ttl, first_pause_s=0.2
        )
    )
    async with broker:
        await ensure_stream(broker.connection.jetstream(), ACTIONS, replicas=1)
        pending.attach(await broker.key_value(f"pending_issues_{next(_buckets)}"))
        await broker.start()
        yield broker
    # A module-wide bus: drop what this test left queued so the next test starts clean.
    async with NatsBroker(private_nats_url) as cleaner:
        await cleaner.connection.jetstream().purge_stream(subjects.ACTIONS_STREAM)


async def _durable(broker: NatsBroker, body: Any, subject: str) -> dict[str, Any]:
    reply: dict[str, Any] = await durable_request(
        broker, body, subject, subjects.ACTIONS_STREAM, f"request-{next(_requests)}", 15
    )
    return reply


async def prepare(broker: NatsBroker, key: str, session_id: str = SESSION) -> dict[str, Any]:
    request = issue_request(key).model_copy(update={"session_id": session_id})
    return await _durable(broker, request, subjects.TOOL_GITHUB_ISSUE_CREATE)


async def send(
    broker: NatsBroker,
    action_id: str,
    decision: str = "confirm",
    session_id: str = SESSION,
    decision_id: str | None = None,
) -> dict[str, Any]:
    request = IssueDecisionRequested(
        action_id=action_id,
        session_id=session_id,
        decision=decision,  # type: ignore[arg-type]
        **({"id": decision_id} if decision_id else {}),
    )
    return await _durable(broker, request, subjects.GITHUB_ISSUE_DECIDE)


async def test_a_report_is_prepared_and_nothing_reaches_github(
    broker: NatsBroker, github: FakeGithub
) -> None:
    reply = await prepare(broker, "conv:call_1")
    assert reply["error"] is None
    result = reply["result"]
    assert result["status"] == "pending_confirmation" and result["action_id"].startswith("GH-")
    assert result["expires_at"] and github.requests == []


async def test_the_visitor_sends_it_and_one_issue_is_filed(
    broker: NatsBroker, github: FakeGithub
) -> None:
    prepared = [await prepare(broker, "conv:call_5x") for _ in range(5)]
    action_ids = {p["result"]["action_id"] for p in prepared}
    assert len(action_ids) == 1, "a redelivered tool call prepares the same report"
    [action_id] = action_ids
    replies = [await send(broker, action_id, decision_id="decision-1") for _ in range(5)]
    assert {r["result"]["number"] for r in replies} == {1}
    assert {r["result"]["status"] for r in replies} == {"filed"}
    assert len(github.issues) == 1
    again = await send(broker, action_id)
    assert again["error"]["code"] == "already_confirmed"


async def test_only_the_preparing_session_may_send_it_and_cancel_means_never(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_other"))["result"]["action_id"]
    stranger = await send(broker, action_id, session_id="x" * 32)
    assert stranger["error"]["code"] == "action_not_found"
    cancelled = await send(broker, action_id, "cancel")
    assert cancelled["result"]["status"] == "cancelled"
    late = await send(broker, action_id)
    assert late["error"]["code"] == "already_cancelled"
    assert github.issues == []


@pytest.mark.parametrize("confirmation_ttl", [timedelta(0)])
async def test_a_report_past_its_deadline_is_not_sent(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_late"))["result"]["action_id"]
    assert (await send(broker, action_id))["error"]["code"] == "action_expired"
    assert github.issues == []


async def test_the_visitor_can_look_up_their_report(broker: NatsBroker) -> None:
    action_id = (await prepare(broker, "conv:call_query"))["result"]["action_id"]
    mine = await broker.request(
        IssueQuery(action_id=action_id, session_id=SESSION), subjects.GITHUB_ISSUE_QUERY
    )
    assert (await mine.decode())["result"]["status"] == "pending_confirmation"  # type: ignore[index]
    theirs = await broker.request(
        IssueQuery(action_id=action_id, session_id="x" * 32), subjects.GITHUB_ISSUE_QUERY
    )
    assert (await theirs.decode())["error"]["code"] == "action_not_found"  # type: ignore[index]


@pytest.mark.parametrize("body", [b"{}", b'{"action_id": "GH-1"}', b"not json"])
async def test_a_lookup_it_cannot_read_is_answered_with_an_error(
    broker: NatsBroker, body: bytes
) -> None:
    answer = await broker.connection.request(subjects.GITHUB_ISSUE_QUERY, body, timeout=5)
    reply = json.loads(answer.data)
    assert reply["error"]["code"] == "invalid_request" and reply["error"]["message"]


async def test_while_github_is_down_the_report_waits_and_is_filed_later(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_outage"))["result"]["action_id"]
    github.refuse_next(Refusal.server_error(502), times=4)
    reply = await send(broker, action_id)
    assert reply["error"] is None and reply["result"]["queued"] is True
    assert github.issues == []
    await eventually(lambda: len(github.issues) == 1, within_s=20)
    assert github.issues[0]["title"] == "Checkout fails on mobile"


async def test_a_rate_limited_github_queues_the_report(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_rate"))["result"]["action_id"]
    github.refuse_next(Refusal.rate_limit(retry_after="60"))
    reply = await send(broker, action_id)
    assert reply["result"]["queued"] is True
    await eventually(lambda: len(github.issues) == 1, within_s=20)


async def test_a_refusal_from_github_is_a_clear_error_and_the_report_can_be_sent_again(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_404"))["result"]["action_id"]
    github.refuse_next(Refusal(404, "Not Found"))
    reply = await send(broker, action_id)
    assert reply["result"] is None
    assert reply["error"]["code"] == "github_error"
    assert "404" in reply["error"]["message"]
    assert (await send(broker, action_id))["result"]["status"] == "filed"


async def test_a_report_being_sent_takes_no_other_decision(
    broker: NatsBroker, github: FakeGithub
) -> None:
    action_id = (await prepare(broker, "conv:call_race"))["result"]["action_id"]
    github.refuse_next(Refusal.server_error(502), times=4)  # the first send is queued
    assert (await send(broker, action_id, decision_id="first"))["result"]["queued"] is True
    for decision in ("confirm", "cancel"):  # a double click, a late Cancel
        refused = await send(broker, action_id, decision)
        assert refused["error"]["code"] == "already_confirmed"
    await eventually(lambda: len(github.issues) == 1, within_s=20)
    query = IssueQuery(action_id=action_id, session_id=SESSION)
    answer = await broker.request(query, subjects.GITHUB_ISSUE_QUERY)
    assert (await answer.decode())["result"]["status"] == "filed"  # type: ignore[index]


async def test_invalid_arguments_are_refused_before_anything_is_kept(
    broker: NatsBroker, github: FakeGithub
) -> None:
    body = issue_request("conv:call_bad").model_dump(mode="json")
    body["args"]["title"] = "x"
    reply = await _durable(broker, body, subjects.TOOL_GITHUB_ISSUE_CREATE)
    assert reply["error"]["code"] == "invalid_arguments"
    assert "title" in reply["error"]["message"]
    assert github.requests == []


def test_pauses_grow_and_stop_at_an_hour() -> None:
    assert [pause_before(n) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert pause_before(20) == 3600.0
