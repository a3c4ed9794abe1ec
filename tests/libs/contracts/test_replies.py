"""A reply on the bus is read as its result, or as the error the service answered."""

import pytest
from copilot_contracts.privacy import InsightsPersonalDataErased
from copilot_contracts.replies import ErrorReply, ServiceError, read_reply
from copilot_contracts.tools import SearchDocsResult, ToolReply
from pydantic import ValidationError


def test_a_result_is_read_as_its_model_raw_or_decoded() -> None:
    assert read_reply(b'{"rows": 3}', InsightsPersonalDataErased).rows == 3
    assert read_reply({"rows": 4}, InsightsPersonalDataErased).rows == 4


def test_an_error_reply_raises_with_its_code_and_message() -> None:
    answered = ErrorReply.of("invalid_request", "days: must be at least 1").model_dump_json()
    with pytest.raises(ServiceError) as refused:
        read_reply(answered, InsightsPersonalDataErased)
    assert (refused.value.code, refused.value.message) == (
        "invalid_request",
        "days: must be at least 1",
    )
    assert str(refused.value) == "invalid_request: days: must be at least 1"


def test_a_reply_whose_model_has_an_error_field_keeps_it() -> None:
    failed = ToolReply[SearchDocsResult].failed("search_unavailable", "down")
    read = read_reply(failed.model_dump_json(), ToolReply[SearchDocsResult])
    assert read.error is not None and read.error.code == "search_unavailable"


def test_a_reply_that_is_neither_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        read_reply(b'{"vectors": []}', InsightsPersonalDataErased)
