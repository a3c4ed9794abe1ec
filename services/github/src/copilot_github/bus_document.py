"""The GitHub service's subscribers, for the bus's AsyncAPI document (`make docs`)."""

from datetime import timedelta
from pathlib import Path

from copilot_service_defaults.asyncapi import documented_broker as broker_with
from faststream.nats import NatsBroker

from copilot_github.adapters.dry_run_tracker import DryRunTracker
from copilot_github.adapters.kv_pending_issues import KvPendingIssues
from copilot_github.handlers import build_router

DESCRIPTION = (
    "Prepares bug reports and feedback for the model's createGithubIssue tool, and files "
    "them as GitHub issues when the visitor sends them (a dry-run file without a token)."
)


def documented_broker() -> NatsBroker:
    """Its router as build_app includes it, in dry-run; nothing is filed or kept."""
    router = build_router(
        DryRunTracker(Path("github-dry-run.jsonl")),
        KvPendingIssues(),
        dry_run=True,
        confirmation_ttl=timedelta(minutes=15),
    )
    return broker_with("github", router)
