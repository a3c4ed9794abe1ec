"""Tool calls as NATS requests to each tool's own service (queue groups spread the load)."""

from typing import Any

from copilot_contracts.envelope import Message
from copilot_contracts.tool_catalog import ToolSpec
from copilot_contracts.tools import ToolError, ToolReply
from faststream.nats import NatsBroker
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from opentelemetry import trace
from pydantic import ValidationError

from copilot_orchestrator.domain.conversation import ToolOutcome

tracer = trace.get_tracer(__name__)


class NatsToolTransport:
    def __init__(self, broker: NatsBroker, timeout_s: float) -> None:
        self.broker = broker
        self.timeout_s = timeout_s

    async def call(self, spec: ToolSpec, request: Message) -> ToolOutcome:
        call_id = getattr(request, "idempotency_key", "")
        with tracer.start_as_current_span(
            f"execute_tool {spec.name}",
            kind=trace.SpanKind.INTERNAL,
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": spec.name},
        ) as span:
            outcome = await self._request(spec, request, call_id)
            if outcome.error is not None:
                span.set_attribute("error.type", outcome.error.code)
            return outcome

    async def _request(self, spec: ToolSpec, request: Message, call_id: str) -> ToolOutcome:
        def failed(code: str, message: str) -> ToolOutcome:
            return ToolOutcome(call_id, spec.name, error=ToolError(code=code, message=message))

        try:
            response = await self.broker.request(request, spec.subject, timeout=self.timeout_s)
        except NoRespondersError:
            return failed("tool_unavailable", f"The {spec.name} service is not running.")
        except (TimeoutError, NatsTimeoutError):
            return failed("tool_timeout", f"The {spec.name} service did not answer in time.")
        body: Any = await response.decode()
        try:
            reply = ToolReply[spec.result_model].model_validate(body)  # type: ignore[name-defined]
        except ValidationError:
            return failed("tool_bad_reply", f"The {spec.name} service sent an unreadable reply.")
        if reply.error is not None:
            return ToolOutcome(call_id, spec.name, error=reply.error)
        return ToolOutcome(call_id, spec.name, result=reply.result)
