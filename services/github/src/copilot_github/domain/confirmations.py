"""A report is filed only once the visitor sends it: prepared, then confirmed or cancelled
by the session that prepared it, before its deadline."""

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from copilot_contracts.tools import CreateGithubIssueRequest, CreateGithubIssueResult, IssueStatus
from pydantic import BaseModel

Decision = Literal["confirm", "cancel"]


class DecisionRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PendingIssue(BaseModel):
    """A prepared report and what became of it."""

    action_id: str
    request: CreateGithubIssueRequest
    status: IssueStatus = "pending_confirmation"
    expires_at: datetime
    decision_id: str | None = None
    """The decision request that changed the status (a redelivery of it changes nothing)."""
    filed: CreateGithubIssueResult | None = None

    def result(self, dry_run: bool) -> CreateGithubIssueResult:
        if self.filed is not None:
            return self.filed.model_copy(update={"status": self.status})
        return CreateGithubIssueResult(
            title=self.request.args.title,
            dry_run=dry_run,
            status=self.status,
            action_id=self.action_id,
            expires_at=self.expires_at,
        )


def action_id_for(idempotency_key: str, attempt: int = 0) -> str:
    """The same tool call (a redelivery) always prepares the same report; `attempt` picks
    the next candidate when another report already has the number."""
    seed = idempotency_key if attempt == 0 else f"{idempotency_key}#{attempt}"
    return "GH-" + hashlib.sha256(seed.encode()).hexdigest()[:12].upper()


def prepare(
    request: CreateGithubIssueRequest, now: datetime, ttl: timedelta, attempt: int = 0
) -> PendingIssue:
    action_id = action_id_for(request.idempotency_key, attempt)
    return PendingIssue(action_id=action_id, request=request, expires_at=now + ttl)


def decide(
    pending: PendingIssue | None, session_id: str, decision: Decision, now: datetime
) -> IssueStatus:
    """The status the decision leads to, or DecisionRefused saying why it cannot be made."""
    if pending is None or pending.request.session_id != session_id:
        raise DecisionRefused("action_not_found", "No such report of yours.")
    if pending.status in ("filed", "sending"):
        raise DecisionRefused("already_confirmed", "This report was sent already.")
    if pending.status == "cancelled":
        raise DecisionRefused("already_cancelled", "This report was cancelled.")
    if pending.status == "expired" or now >= pending.expires_at:
        raise DecisionRefused("action_expired", "This report expired before it was sent.")
    return "sending" if decision == "confirm" else "cancelled"
