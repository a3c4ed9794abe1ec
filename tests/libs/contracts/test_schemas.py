import pytest
from copilot_contracts import subjects
from copilot_contracts.chat import DeltaEvent, TurnEventPublished
from copilot_contracts.tool_catalog import ALL_TOOLS
from copilot_contracts.tools import SearchDocsArgs
from pydantic import ValidationError


def test_tool_schemas_are_generated_for_the_chat_completions_api() -> None:
    for tool in ALL_TOOLS:
        schema = tool.openai_schema()
        assert schema["type"] == "function"
        assert schema["function"]["name"] == tool.name
        assert schema["function"]["description"]
        assert schema["function"]["parameters"]["type"] == "object"
        assert schema["function"]["parameters"]["additionalProperties"] is False


def test_tool_arguments_are_strict() -> None:
    with pytest.raises(ValidationError):
        SearchDocsArgs.model_validate({"query": "beans", "sudo": True})


def test_messages_tolerate_fields_added_later() -> None:
    event = TurnEventPublished.model_validate(
        {
            "conversation_id": "c",
            "turn_id": "t",
            "seq": 1,
            "event": {"type": "delta", "text": "hi", "added_in_v2": 1},
            "also_new": "x",
        }
    )
    assert event.event == DeltaEvent(text="hi")
    assert event.id and event.created_at.tzinfo is not None


def test_turn_event_subjects_reject_injection() -> None:
    assert subjects.chat_turn_events("abc") == "copilot.v1.chat.turn.abc.events"
    for bad in ("a.b", "*", ">", ""):
        with pytest.raises(ValueError):
            subjects.chat_turn_events(bad)
