"""A handler's body documented as a contract model still takes any body at all."""

from typing import Annotated, Any

from copilot_contracts.tools import CreateOrderRequest
from copilot_service_defaults.bus_payloads import DocumentedAs
from pydantic import Field, TypeAdapter

Body = Annotated[Any, DocumentedAs(CreateOrderRequest), Field(title="CreateOrderRequest")]


def test_any_body_passes_through_unchanged() -> None:
    adapter = TypeAdapter(Body)
    for body in ({"args": {}}, [1, 2], b"not json", "text", None):
        assert adapter.validate_python(body) == body


def test_its_schema_is_the_models_with_the_models_it_refers_to() -> None:
    schema = TypeAdapter(Body).json_schema()
    expected = CreateOrderRequest.model_json_schema()
    assert schema["properties"] == expected["properties"]
    assert schema["required"] == expected["required"]
    assert {"CreateOrderArgs", "OrderItemArgs", "CustomerContact"} <= set(schema["$defs"])
