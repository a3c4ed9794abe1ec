"""The NATS broker of a service, with its logs and traces set up the same way everywhere."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker, NatsUserPassword
from nats.aio.client import ErrorCallback
from nats.js.api import INBOX_PREFIX
from opentelemetry.sdk.trace import TracerProvider

from copilot_service_defaults.logs import setup_logging
from copilot_service_defaults.settings import ServiceSettings
from copilot_service_defaults.telemetry import nats_telemetry_middleware, setup_tracing

PERMISSION_ERROR = "permissions violation"
ReconnectHook = Callable[[], Awaitable[None]]
REDECLARE_ATTEMPTS = 10


def service_inbox(service: str) -> str:
    """Replies to a service arrive under this prefix: the bus lets only that service read it
    (deploy/nats/authorization.conf)."""
    return f"_INBOX.{service}"


class ServiceBroker(NatsBroker):
    """A NatsBroker whose JetStream pull consumers, too, receive on the service's own inbox.

    FastStream gives each pull subscriber the bare `_INBOX.` prefix unless its declaration
    names another; setting it here keeps every subscriber, present and future, in line."""

    inbox = "_INBOX"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reconnect_hooks: list[ReconnectHook] = []

    def after_reconnect(self, hook: ReconnectHook) -> None:
        """Run `hook` each time the connection to NATS comes back, e.g. to declare again what
        a restarted server kept only in memory (a NATS server restores its file-backed
        streams, not its in-memory ones). A failing hook is tried again a few times."""
        self.reconnect_hooks.append(hook)

    async def start(self) -> None:
        own_prefix = f"{self.inbox}.".encode()
        for subscriber in self.subscribers:
            options = getattr(subscriber, "extra_options", None)
            if isinstance(options, dict) and options.get("inbox_prefix") == INBOX_PREFIX:
                options["inbox_prefix"] = own_prefix
        await super().start()


def service_broker(service: str, settings: ServiceSettings) -> tuple[ServiceBroker, TracerProvider]:
    setup_logging(service, settings.log_level)
    tracing = setup_tracing(service, settings.otel_exporter_otlp_endpoint)
    login = None
    if settings.nats_user:
        password = settings.nats_password.get_secret_value() if settings.nats_password else ""
        login = NatsUserPassword(username=settings.nats_user, password=password)
    bus_log = logging.getLogger(f"{service}.bus")

    async def reconnected() -> None:
        await _run_hooks(broker, bus_log)

    broker = ServiceBroker(
        settings.nats_url,
        name=service,
        security=login,
        inbox_prefix=service_inbox(service),
        error_cb=_report_refusals(bus_log),
        middlewares=[nats_telemetry_middleware(tracing)],
        logger=bus_log,
        # "Received" and "Processed" for every message: a line (JSON, redacted, a write) per
        # message on every hot path. Failures are still logged as errors.
        log_level=logging.DEBUG,
        max_reconnect_attempts=-1,
        reconnected_cb=reconnected,
    )
    broker.inbox = service_inbox(service)
    return broker, tracing


_running_hooks: set[asyncio.Task[None]] = set()


async def _run_hooks(broker: ServiceBroker, log: logging.Logger) -> None:
    log.info("reconnected to NATS")
    for hook in broker.reconnect_hooks:
        # Not awaited here: a hook may use the connection whose callback this is.
        task = asyncio.create_task(_until_done(hook, log))
        _running_hooks.add(task)
        task.add_done_callback(_running_hooks.discard)


async def _until_done(hook: ReconnectHook, log: logging.Logger) -> None:
    for attempt in range(REDECLARE_ATTEMPTS):
        try:
            await hook()
            return
        except Exception as exc:  # a server just back may not serve JetStream yet
            log.warning("after reconnecting: %s failed (%s)", hook.__name__, type(exc).__name__)
            await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
    log.error("after reconnecting: %s kept failing", hook.__name__)


def _report_refusals(log: logging.Logger) -> ErrorCallback:
    # The server keeps the connection after refusing a publish or subscribe and tells only
    # this callback: a missing permission must show in the logs, not as a silent timeout.
    async def report(error: Exception) -> None:
        if PERMISSION_ERROR in str(error).lower():
            log.error("NATS refused: %s", error)

    return report


def app_logger(service: str) -> logging.Logger:
    return logging.getLogger(f"{service}.app")
