"""Personal data never leaves a process in a span, whoever put it there."""

from collections.abc import Sequence

import pytest
from copilot_service_defaults.redacting_exporter import RedactingSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode

pytestmark = pytest.mark.security


class Collected(SpanExporter):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def test_attributes_events_and_status_are_redacted_before_export() -> None:
    collected = Collected()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(collected)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("order") as span:
        span.set_attribute("visitor.note", "I'm ada@example.com, +44 20 7946 0958")
        span.set_attribute("order.count", 2)
        span.record_exception(ValueError("card 4111 1111 1111 1111 was declined"))
        span.set_status(Status(StatusCode.ERROR, "ship to 221B Baker Street failed"))
    [exported] = collected.spans
    text = repr(exported.attributes) + repr(exported.events[0].attributes)
    text += exported.status.description or ""
    for personal in ("ada@example.com", "7946", "4111 1111", "Baker Street"):
        assert personal not in text
    assert exported.attributes is not None and exported.attributes["order.count"] == 2
    assert exported.context == span.get_span_context()
