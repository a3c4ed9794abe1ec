"""The GitHub service: files bug reports and feedback from the chat as GitHub issues."""

from datetime import timedelta

from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS
from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.consumers import watch_consumers
from copilot_service_defaults.health import health_routes
from copilot_service_defaults.jetstream import ensure_key_value, ensure_stream
from faststream.asgi import AsgiFastStream
from opentelemetry.instrumentation.requests import RequestsInstrumentor

from copilot_github.adapters.dry_run_tracker import DryRunTracker
from copilot_github.adapters.github_tracker import GithubTracker
from copilot_github.adapters.kv_pending_issues import KvPendingIssues
from copilot_github.config import GithubSettings
from copilot_github.domain.issues import IssueTracker
from copilot_github.handlers import build_router


def build_tracker(settings: GithubSettings) -> IssueTracker:
    if settings.github_token and settings.github_repo:
        return GithubTracker(settings.github_token, settings.github_repo, settings.github_api_url)
    return DryRunTracker(settings.resolved_dry_run_path)


def build_app(settings: GithubSettings) -> AsgiFastStream:
    broker, tracing = service_broker("github", settings)
    RequestsInstrumentor().instrument(tracer_provider=tracing)  # PyGithub speaks requests
    pending = KvPendingIssues()
    broker.include_router(
        build_router(
            build_tracker(settings),
            pending,
            dry_run=settings.dry_run,
            confirmation_ttl=timedelta(seconds=settings.issue_confirmation_ttl_s),
        )
    )

    async def prepare_stream() -> None:
        await broker.connect()
        await ensure_stream(broker.connection.jetstream(), ACTIONS, settings.nats_stream_replicas)
        # Kept a day past the deadline, so a visitor can still ask what became of a report.
        ttl = settings.issue_confirmation_ttl_s + 86_400
        pending.attach(
            await ensure_key_value(
                broker.connection.jetstream(),
                subjects.PENDING_ISSUES_BUCKET,
                ttl,
                settings.nats_stream_replicas,
            )
        )
        await watch_consumers(
            broker.connection,
            [(ACTIONS.name, "github-issues"), (ACTIONS.name, "github-decide")],
            settings.nats_stream_replicas,
        )

    return AsgiFastStream(
        broker,
        logger=app_logger("github"),
        asgi_routes=health_routes(broker),
        on_startup=[prepare_stream],
    )
