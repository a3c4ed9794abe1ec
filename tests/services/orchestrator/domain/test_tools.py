"""A state-changing tool call's idempotency key names the turn and the tool, not the call."""

from copilot_contracts.tool_catalog import CREATE_GITHUB_ISSUE, CREATE_ORDER
from copilot_contracts.tools import CreateOrderRequest
from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import ToolCall
from copilot_orchestrator.domain.tools import build_request

ORDER = (
    '{"items": [{"product": "House Blend", "quantity": 1}],'
    ' "customer": {"name": "Ada Lovelace", "email": "ada@example.com"}}'
)


def _state(turn_id: str) -> TurnState:
    return TurnState("c" * 32, turn_id, "Order one House Blend", [], session_id="s" * 32)


def _key(state: TurnState, call: ToolCall) -> str:
    request = build_request(CREATE_ORDER, state, call)
    assert isinstance(request, CreateOrderRequest)
    return request.idempotency_key


def test_a_redelivered_turn_asks_for_the_same_order_whatever_its_call_ids() -> None:
    first_run = _key(_state("t" * 32), ToolCall("call_17", "createOrder", ORDER))
    second_run = _key(_state("t" * 32), ToolCall("call_24", "createOrder", ORDER))
    assert first_run == second_run


def test_another_turn_or_another_tool_has_another_key() -> None:
    call = ToolCall("call_1", "createOrder", ORDER)
    assert _key(_state("t" * 32), call) != _key(_state("u" * 32), call)
    report = build_request(
        CREATE_GITHUB_ISSUE,
        _state("t" * 32),
        ToolCall("call_1", "createGithubIssue", '{"title": "Checkout broken", "body": "500"}'),
    )
    assert getattr(report, "idempotency_key", None) != _key(_state("t" * 32), call)
