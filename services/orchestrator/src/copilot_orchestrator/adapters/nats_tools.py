"""Tool calls as NATS requests to each tool's own service (queue groups spread the load)."""

from typing import Any

from copilot_contracts.envelope import Message
from copilot_contracts.subjects import ACTIONS_STREAM
from copilot_contracts.tool_catalog import ToolSpec
from copilot_contracts.tools import ToolError, ToolReply
from copilot_service_defaults.durable_requests import NoReplyError, durable_request
from faststream.nats import NatsBroker
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from opentelemetry import trace
from prometheus_client import Counter
from pydantic import ValidationError

from copilot_orchestrator.domain.conversation import ToolOutcome

tracer = trace.get_tracer(__name__)
TOOL_CALLS = Counter("tool_calls", "Tool calls sent to their services.", ["tool", "status"])


class NatsToolTransport:
    """Read-only tools are plain requests in a queue group; tools that change state go
    through JetStream (durable, deduplicated by their idempotency key)."""

    def __init__(self, broker: NatsBroker, timeout_s: float, action_timeout_s: float) -> None:
        self.broker = broker
        self.timeout_s = timeout_s
        self.action_timeout_s = action_timeout_s

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
            TOOL_CALLS.labels(spec.name, "ok" if outcome.ok else "error").inc()
            return outcome

    async def _request(self, spec: ToolSpec, request: Message, call_id: str) -> ToolOutcome:
        def failed(code: str, message: str) -> ToolOutcome:
            return ToolOutcome(call_id, spec.name, error=ToolError(code=code, message=message))

        try:
            if spec.changes_state:
                body: Any = await durable_request(
                    self.broker,
                    request,
                    spec.subject,
                    ACTIONS_STREAM,
                    msg_id=call_id,
                    timeout_s=self.action_timeout_s,
                )
            else:
                response = await self.broker.request(request, spec.subject, timeout=self.timeout_s)
                body = await response.decode()
        except NoRespondersError:
            return failed("tool_unavailable", f"The {spec.name} service is not running.")
        except NoReplyError:
            return failed(
                "tool_pending",
                f"The {spec.name} request is recorded and will be carried out, but its result "
                "did not come back in time.",
            )
        except (TimeoutError, NatsTimeoutError):
            return failed("tool_timeout", f"The {spec.name} service did not answer in time.")
        try:
            reply = ToolReply[spec.result_model].model_validate(body)  # type: ignore[name-defined]
        except ValidationError:
            return failed("tool_bad_reply", f"The {spec.name} service sent an unreadable reply.")
        if reply.error is not None:
            return ToolOutcome(call_id, spec.name, error=reply.error)
        return ToolOutcome(call_id, spec.name, result=reply.result)
