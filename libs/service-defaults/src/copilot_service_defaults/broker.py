"""The NATS broker of a service, with its logs and traces set up the same way everywhere."""

import logging

from faststream.nats import NatsBroker
from opentelemetry.sdk.trace import TracerProvider

from copilot_service_defaults.logs import setup_logging
from copilot_service_defaults.settings import ServiceSettings
from copilot_service_defaults.telemetry import nats_telemetry_middleware, setup_tracing


def service_broker(service: str, settings: ServiceSettings) -> tuple[NatsBroker, TracerProvider]:
    setup_logging(service, settings.log_level)
    tracing = setup_tracing(service, settings.otel_exporter_otlp_endpoint)
    broker = NatsBroker(
        settings.nats_url,
        name=service,
        middlewares=[nats_telemetry_middleware(tracing)],
        logger=logging.getLogger(f"{service}.bus"),
        max_reconnect_attempts=-1,
    )
    return broker, tracing


def app_logger(service: str) -> logging.Logger:
    return logging.getLogger(f"{service}.app")
