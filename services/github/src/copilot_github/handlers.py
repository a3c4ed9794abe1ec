"""Bus handlers: decode the request, call the domain, reply.

A report is prepared when the model asks (nothing leaves for GitHub), and filed when the
visitor sends it. Both come from JetStream and are acknowledged once applied. While GitHub
is unreachable an accepted report waits in the stream and is delivered again later, with
growing pauses; the visitor hears at once that it is queued."""

import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from copilot_contracts import subjects
from copilot_contracts.issues import IssueDecisionRequested, IssueQuery
from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult, ToolReply
from copilot_service_defaults.bus_payloads import DocumentedAs
from copilot_service_defaults.durable_requests import REPLY_TO_HEADER, answer
from copilot_service_defaults.jetstream import in_progress_while_running
from copilot_service_defaults.validation import validation_summary
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from github import GithubException
from pydantic import Field, ValidationError

from copilot_github.adapters.kv_pending_issues import ChangedMeanwhile, KvPendingIssues
from copilot_github.domain.confirmations import DecisionRefused, PendingIssue, decide, prepare
from copilot_github.domain.issues import IssueTracker, TrackerUnavailable, file_issue

log = logging.getLogger(__name__)
Reply = ToolReply[CreateGithubIssueResult]

# A report is retried for about a day of GitHub outage, then left to the operators.
ACK_WAIT_S = 60.0
MAX_DELIVER = 30
FIRST_PAUSE_S = 30.0
LONGEST_PAUSE_S = 3600.0
NUMBER_ATTEMPTS = 3
DURABLE = ConsumerConfig(ack_wait=ACK_WAIT_S, max_deliver=MAX_DELIVER)
ACTIONS = JStream(name=subjects.ACTIONS_STREAM, declare=False)
IssueBody = Annotated[
    Any, DocumentedAs(CreateGithubIssueRequest), Field(title="CreateGithubIssueRequest")
]
DecisionBody = Annotated[
    Any, DocumentedAs(IssueDecisionRequested), Field(title="IssueDecisionRequested")
]
QueryBody = Annotated[Any, DocumentedAs(IssueQuery), Field(title="IssueQuery")]


def pause_before(delivery: int, first_pause_s: float = FIRST_PAUSE_S) -> float:
    """How long a report waits after its `delivery`-th attempt found GitHub unavailable."""
    return min(first_pause_s * 2.0 ** (delivery - 1), LONGEST_PAUSE_S)


def build_router(
    tracker: IssueTracker,
    pending: KvPendingIssues,
    *,
    dry_run: bool,
    confirmation_ttl: timedelta,
    first_pause_s: float = FIRST_PAUSE_S,
) -> NatsRouter:
    router = NatsRouter()

    async def reopen(report: PendingIssue, revision: int) -> None:
        """A report GitHub refused for good may be sent again (after the cause is fixed)."""
        report.status, report.decision_id = "pending_confirmation", None
        with contextlib.suppress(ChangedMeanwhile):
            await pending.save(report, revision)

    @router.subscriber(
        subjects.TOOL_GITHUB_ISSUE_CREATE,
        stream=ACTIONS,
        durable="github-issues",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        config=DURABLE,
    )
    async def prepare_issue(body: IssueBody, msg: NatsMessage, broker: NatsBroker) -> None:
        """The model's createGithubIssue tool call: prepares a report for the visitor to
        send. Answers a ToolReply[CreateGithubIssueResult] on the inbox its Copilot-Reply-To
        header names."""
        try:
            request = CreateGithubIssueRequest.model_validate(body)
        except ValidationError as exc:
            await answer(broker, msg, Reply.failed("invalid_arguments", validation_summary(exc)))
            return
        now = datetime.now(UTC)
        for attempt in range(NUMBER_ATTEMPTS):  # another report may hold the number
            report = await pending.add(prepare(request, now, confirmation_ttl, attempt))
            if report.request.idempotency_key == request.idempotency_key:
                break
        else:
            await answer(broker, msg, Reply.failed("internal_error", "No report number left."))
            return
        log.info("report %s awaiting the visitor", report.action_id)
        await answer(broker, msg, Reply.ok(report.result(dry_run)))

    @router.subscriber(
        subjects.GITHUB_ISSUE_DECIDE,
        stream=ACTIONS,
        durable="github-decide",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        config=DURABLE,
    )
    async def decide_issue(body: DecisionBody, msg: NatsMessage, broker: NatsBroker) -> None:
        """The visitor's send or cancel of a prepared report: sending files the issue (held
        and retried while GitHub is unreachable). Answers a ToolReply[CreateGithubIssueResult]
        on the inbox its Copilot-Reply-To header names."""
        try:
            request = IssueDecisionRequested.model_validate(body)
        except ValidationError as exc:
            await answer(broker, msg, Reply.failed("invalid_request", validation_summary(exc)))
            return
        report, revision = await pending.read(request.action_id)
        if report is None or report.decision_id != request.id:
            try:
                status = decide(report, request.session_id, request.decision, datetime.now(UTC))
            except DecisionRefused as refused:
                await answer(broker, msg, Reply.failed(refused.code, refused.message))
                return
            if report is None:
                raise AssertionError("unreachable: decide() refuses a missing report")
            # "sending" closes the report to any other decision while it is filed; a
            # redelivery of this one files it, even after the deadline.
            report.decision_id, report.status = request.id, status
            try:
                revision = await pending.save(report, revision)
            except ChangedMeanwhile:
                await answer(broker, msg, Reply.failed("already_decided", "Decided elsewhere."))
                return
        if report.status != "sending":
            await answer(broker, msg, Reply.ok(report.result(dry_run)))
            return
        try:
            # Retries against a slow GitHub may outlast AckWait: keep the request ours.
            async with in_progress_while_running(msg, ACK_WAIT_S / 3):
                filed = await file_issue(tracker, report.request)
        except TrackerUnavailable as exc:
            delivery = msg.raw_message.metadata.num_delivered or 1
            log.warning("GitHub unavailable (%s); attempt %d, queued", exc, delivery)
            inbox = (msg.headers or {}).get(REPLY_TO_HEADER)
            if delivery == 1 and inbox:  # the visitor is still waiting for this first answer
                queued = report.result(dry_run).model_copy(update={"queued": True})
                await broker.publish(Reply.ok(queued), inbox)
            await msg.nack(delay=pause_before(delivery, first_pause_s))
            return
        except GithubException as exc:
            log.warning("GitHub refused the issue: status %s", exc.status)
            await reopen(report, revision)
            message = f"GitHub answered with status {exc.status}."
            await answer(broker, msg, Reply.failed("github_error", message))
            return
        except Exception:
            log.exception("filing an issue failed")
            await reopen(report, revision)
            await answer(broker, msg, Reply.failed("internal_error", "The report was not filed."))
            return
        report.status, report.filed = "filed", filed
        try:
            await pending.save(report, revision)
        except ChangedMeanwhile:  # a redelivery filed it too: the marker kept it one issue
            log.info("report %s was recorded by another delivery", report.action_id)
        log.info("issue filed (dry run: %s)", filed.dry_run)
        await answer(broker, msg, Reply.ok(report.result(dry_run)))

    @router.subscriber(subjects.GITHUB_ISSUE_QUERY, queue="github")
    async def query_issue(body: QueryBody) -> Reply:
        """Request/reply: where the visitor's own report stands, as a
        ToolReply[CreateGithubIssueResult]."""
        try:
            query = IssueQuery.model_validate(body)
        except ValidationError as exc:
            return Reply.failed("invalid_request", validation_summary(exc))
        report = await pending.get(query.action_id)
        if report is None or report.request.session_id != query.session_id:
            return Reply.failed("action_not_found", "No such report of yours.")
        result = report.result(dry_run)
        if result.status == "pending_confirmation" and datetime.now(UTC) >= report.expires_at:
            result = result.model_copy(update={"status": "expired"})
        return Reply.ok(result)

    return router
