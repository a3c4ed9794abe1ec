"""Turning a model's tool call into a validated request for the tool's service."""

import json
from typing import Protocol

from copilot_contracts.envelope import Message
from copilot_contracts.tool_catalog import ToolSpec
from copilot_contracts.tools import ToolError
from pydantic import ValidationError

from copilot_orchestrator.domain.conversation import ToolOutcome, TurnState
from copilot_orchestrator.domain.model import ToolCall


class ToolTransport(Protocol):
    async def call(self, spec: ToolSpec, request: Message) -> ToolOutcome:
        """Send the request to the tool's service and wait for its reply."""
        ...


def idempotency_key(state: TurnState, call: ToolCall) -> str:
    """The same in every run of the turn, whatever ids the model gives its calls: a turn
    redelivered after its replica died gets back the order or report its first run
    prepared, not a second one. A turn changes state once per tool (TurnRunner)."""
    return f"{state.conversation_id}:{state.turn_id}:{call.name}"


def build_request(spec: ToolSpec, state: TurnState, call: ToolCall) -> Message | ToolError:
    """Validate the model's arguments here, before anything is sent anywhere."""
    try:
        arguments = json.loads(call.arguments or "{}")
        args = spec.args_model.model_validate(arguments)
    except json.JSONDecodeError:
        return ToolError(code="invalid_arguments", message="Arguments are not valid JSON.")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:5]
        )
        return ToolError(code="invalid_arguments", message=problems)
    fields: dict[str, object] = {
        "conversation_id": state.conversation_id,
        "turn_id": state.turn_id,
        "args": args,
    }
    if spec.changes_state:
        fields["idempotency_key"] = idempotency_key(state, call)
    if "session_id" in spec.request_model.model_fields:
        fields["session_id"] = state.session_id
    return spec.request_model(**fields)


async def run_tool_call(
    transport: ToolTransport, offered: dict[str, ToolSpec], state: TurnState, call: ToolCall
) -> ToolOutcome:
    spec = offered.get(call.name)
    if spec is None:
        error = ToolError(code="unknown_tool", message=f"There is no tool named {call.name!r}.")
        return ToolOutcome(call_id=call.id, tool=call.name, error=error)
    request = build_request(spec, state, call)
    if isinstance(request, ToolError):
        return ToolOutcome(call_id=call.id, tool=call.name, error=request)
    outcome = await transport.call(spec, request)
    return ToolOutcome(call.id, call.name, outcome.result, outcome.error)
