"""Bus handlers: decode the request, call the domain, reply.

Filing an issue changes the world: requests come from JetStream and are acknowledged once
GitHub has the issue (or refused it for good). While GitHub is unreachable a request waits
in the stream and is delivered again later, with growing pauses; the visitor hears at once
that the report is queued."""

import logging
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult, ToolReply
from copilot_service_defaults.durable_requests import REPLY_TO_HEADER, answer
from copilot_service_defaults.jetstream import in_progress_while_running
from copilot_service_defaults.validation import validation_summary
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from github import GithubException
from pydantic import ValidationError

from copilot_github.domain.issues import IssueTracker, TrackerUnavailable, file_issue

log = logging.getLogger(__name__)

# A request is retried for about a day of GitHub outage, then left to the operators.
ACK_WAIT_S = 60.0
MAX_DELIVER = 30
FIRST_PAUSE_S = 30.0
LONGEST_PAUSE_S = 3600.0


def pause_before(delivery: int, first_pause_s: float = FIRST_PAUSE_S) -> float:
    """How long a request waits after its `delivery`-th attempt found GitHub unavailable."""
    return min(first_pause_s * 2.0 ** (delivery - 1), LONGEST_PAUSE_S)


def build_router(tracker: IssueTracker, first_pause_s: float = FIRST_PAUSE_S) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(
        subjects.TOOL_GITHUB_ISSUE_CREATE,
        stream=JStream(name=subjects.ACTIONS_STREAM, declare=False),
        durable="github-issues",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        config=ConsumerConfig(ack_wait=ACK_WAIT_S, max_deliver=MAX_DELIVER),
    )
    async def create_issue(body: dict[str, Any], msg: NatsMessage, broker: NatsBroker) -> None:
        try:
            request = CreateGithubIssueRequest.model_validate(body)
        except ValidationError as exc:
            await answer(broker, msg, _failed("invalid_arguments", validation_summary(exc)))
            return
        try:
            # Retries against a slow GitHub may outlast AckWait: keep the request ours.
            async with in_progress_while_running(msg, ACK_WAIT_S / 3):
                result = await file_issue(tracker, request)
        except TrackerUnavailable as exc:
            delivery = msg.raw_message.metadata.num_delivered or 1
            log.warning("GitHub unavailable (%s); attempt %d, queued", exc, delivery)
            queued = CreateGithubIssueResult(title=request.args.title, dry_run=False, queued=True)
            inbox = (msg.headers or {}).get(REPLY_TO_HEADER)
            if delivery == 1 and inbox:  # the visitor is still waiting for this first answer
                await broker.publish(ToolReply.ok(queued), inbox)
            await msg.nack(delay=pause_before(delivery, first_pause_s))
            return
        except GithubException as exc:
            log.warning("GitHub refused the issue: status %s", exc.status)
            message = f"GitHub answered with status {exc.status}."
            await answer(broker, msg, _failed("github_error", message))
            return
        except Exception:
            log.exception("filing an issue failed")
            await answer(broker, msg, _failed("internal_error", "The report could not be filed."))
            return
        log.info("issue filed (dry run: %s)", result.dry_run)
        await answer(broker, msg, ToolReply.ok(result))

    return router


def _failed(code: str, message: str) -> ToolReply[CreateGithubIssueResult]:
    return ToolReply[CreateGithubIssueResult].failed(code, message)
