"""The NATS broker of a service, with its logs and traces set up the same way everywhere."""

import logging

from faststream.nats import NatsBroker, NatsUserPassword
from nats.aio.client import ErrorCallback
from nats.js.api import INBOX_PREFIX
from opentelemetry.sdk.trace import TracerProvider

from copilot_service_defaults.logs import setup_logging
from copilot_service_defaults.settings import ServiceSettings
from copilot_service_defaults.telemetry import nats_telemetry_middleware, setup_tracing

PERMISSION_ERROR = "permissions violation"


def service_inbox(service: str) -> str:
    """Replies to a service arrive under this prefix: the bus lets only that service read it
    (deploy/nats/authorization.conf)."""
    return f"_INBOX.{service}"


class ServiceBroker(NatsBroker):
    """A NatsBroker whose JetStream pull consumers, too, receive on the service's own inbox.

    FastStream gives each pull subscriber the bare `_INBOX.` prefix unless its declaration
    names another; setting it here keeps every subscriber, present and future, in line."""

    inbox = "_INBOX"

    async def start(self) -> None:
        own_prefix = f"{self.inbox}.".encode()
        for subscriber in self.subscribers:
            options = getattr(subscriber, "extra_options", None)
            if isinstance(options, dict) and options.get("inbox_prefix") == INBOX_PREFIX:
                options["inbox_prefix"] = own_prefix
        await super().start()


def service_broker(service: str, settings: ServiceSettings) -> tuple[NatsBroker, TracerProvider]:
    setup_logging(service, settings.log_level)
    tracing = setup_tracing(service, settings.otel_exporter_otlp_endpoint)
    login = None
    if settings.nats_user:
        password = settings.nats_password.get_secret_value() if settings.nats_password else ""
        login = NatsUserPassword(username=settings.nats_user, password=password)
    bus_log = logging.getLogger(f"{service}.bus")
    broker = ServiceBroker(
        settings.nats_url,
        name=service,
        security=login,
        inbox_prefix=service_inbox(service),
        error_cb=_report_refusals(bus_log),
        middlewares=[nats_telemetry_middleware(tracing)],
        logger=bus_log,
        max_reconnect_attempts=-1,
    )
    broker.inbox = service_inbox(service)
    return broker, tracing


def _report_refusals(log: logging.Logger) -> ErrorCallback:
    # The server keeps the connection after refusing a publish or subscribe and tells only
    # this callback: a missing permission must show in the logs, not as a silent timeout.
    async def report(error: Exception) -> None:
        if PERMISSION_ERROR in str(error).lower():
            log.error("NATS refused: %s", error)

    return report


def app_logger(service: str) -> logging.Logger:
    return logging.getLogger(f"{service}.app")
