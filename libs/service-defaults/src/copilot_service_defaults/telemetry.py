"""Tracing: one tracer provider per service, trace context carried in NATS headers."""

import re
from typing import Any

from faststream.nats.opentelemetry.provider import (
    NatsBatchTelemetrySettingsProvider,
    NatsTelemetrySettingsProvider,
    telemetry_attributes_provider_factory,
)
from faststream.opentelemetry.middleware import TelemetryMiddleware
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_ID_TOKEN = re.compile(r"^(?:[0-9a-fA-F-]{16,}|[A-Za-z0-9_-]{20,})$")


def low_cardinality_subject(subject: str) -> str:
    """Span names must not grow with traffic: hide reply inboxes and per-turn ids."""
    if subject.startswith("_INBOX."):
        return "_INBOX"
    return ".".join("{id}" if _ID_TOKEN.match(token) else token for token in subject.split("."))


class _LowCardinalityProvider(NatsTelemetrySettingsProvider):
    def get_publish_destination_name(self, cmd: Any) -> str:
        return low_cardinality_subject(super().get_publish_destination_name(cmd))

    def get_consume_destination_name(self, msg: Any) -> str:
        return low_cardinality_subject(super().get_consume_destination_name(msg))


def _provider_factory(msg: Any) -> Any:
    provider = telemetry_attributes_provider_factory(msg)
    if isinstance(provider, NatsBatchTelemetrySettingsProvider) or provider is None:
        return provider
    return _LowCardinalityProvider()


def setup_tracing(service_name: str, otlp_endpoint: str | None) -> TracerProvider:
    """A tracer provider that exports over OTLP/HTTP when an endpoint is configured.

    Without an endpoint spans are still created (trace ids reach logs and X-Trace-Id),
    they are just not exported anywhere."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        from copilot_service_defaults.redacting_exporter import RedactingSpanExporter

        exporter = RedactingSpanExporter(
            OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        )
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    return provider


def nats_telemetry_middleware(provider: TracerProvider) -> TelemetryMiddleware[Any]:
    """FastStream middleware that opens a span per publish/consume and propagates context."""
    return TelemetryMiddleware(
        settings_provider_factory=_provider_factory,
        tracer_provider=provider,
        include_messages_counters=False,
    )


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""
