"""The gateway's public API fuzzed from its own OpenAPI document: whatever a client sends,
the answer is documented, never a server error, and every error has the one error shape.

Bounded for CI: a few derandomized examples per operation, schema-valid and schema-invalid.
For a longer hunt: `FUZZ_EXAMPLES=200 pytest tests/e2e/test_openapi_fuzz.py`."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from schemathesis import Case, CheckContext, GenerationMode, Response, checks
from schemathesis.core.result import Err
from schemathesis.openapi import from_url
from schemathesis.schemas import APIOperation, BaseSchema

from tests.conftest import own_nats_server
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.otlp_receiver import OtlpReceiver

pytestmark = pytest.mark.security

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Limits that may answer before any route does (body size, rate limits): errors all the same.
LIMIT_STATUSES = {413, 429}
Operation = APIOperation[Any, Any, Any, Any]
# Generated data seldom gets past the business rules (a known site key, a user message):
# requests a visitor sends, so that every run also walks the paths that succeed.
VISITOR_REQUESTS: dict[str, dict[str, Any]] = {
    "POST /api/sessions": {"site_key": "demo-site-key", "consent": True},
    "POST /api/chat": {"message": "How should I store my coffee beans?"},
    "POST /v1/chat/completions": {
        "messages": [{"role": "user", "content": "What grind for a French press?"}],
        "stream": True,
    },
}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # A bus and data of its own: the sessions, turns and orders the fuzz makes stay here.
    data_dir = Path(tmp_path_factory.mktemp("fuzzed-system"))
    with (
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
        running_system(nats, data_dir, receiver) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def gateway_schema(fuzzed: RunningSystem) -> BaseSchema:
    schema = from_url(f"{fuzzed.gateway_url}/openapi.json")
    schema.config.update(base_url=fuzzed.gateway_url, request_timeout=30)
    return schema


def visitor_headers(system: RunningSystem) -> dict[str, str]:
    """A session of its own for each operation: renewing a token retires it."""
    origin = system.gateway_url
    with httpx.Client(base_url=system.gateway_url, headers={"Origin": origin}) as client:
        token = system.session_token(client)
    return {"Authorization": f"Bearer {token}", "Origin": origin}


def documented_operations(schema: BaseSchema) -> list[Operation]:
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations


def error_has_the_error_shape(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, body
    assert isinstance(error["code"], str) and isinstance(error["message"], str), body


def answers_as_documented(case: Case[Any], headers: dict[str, str]) -> None:
    """Sends the case (reading any event stream to its end) and checks the answer.

    Not checked: that every schema-valid request is accepted; business rules refuse some
    (a blank message, an identity on a site without identities) with documented errors."""
    response = case.call(headers=headers)
    applied = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
        checks.negative_data_rejection,
        error_has_the_error_shape,
    ]
    if response.status_code in LIMIT_STATUSES:
        applied.remove(checks.status_code_conformance)
        applied.remove(checks.negative_data_rejection)
    case.validate_response(response, checks=applied, headers=headers)


def has_inputs(operation: Operation) -> bool:
    definition = operation.definition.raw
    return "parameters" in definition or "requestBody" in definition


def fuzz_test(operation: Operation, mode: GenerationMode, headers: dict[str, str]) -> Any:
    def fuzz(case: Case[Any]) -> None:
        answers_as_documented(case, headers)

    body = VISITOR_REQUESTS.get(operation.label)
    if mode is GenerationMode.POSITIVE and body is not None:
        fuzz = example(case=operation.Case(body=body, media_type="application/json"))(fuzz)
    budget = settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    return given(case=operation.as_strategy(mode))(budget(fuzz))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(
    fuzzed: RunningSystem,
    gateway_schema: BaseSchema,
    mode: GenerationMode,
    subtests: pytest.Subtests,
) -> None:
    operations = documented_operations(gateway_schema)
    assert len(operations) >= 10, "the document lists the public API"
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not has_inputs(operation):
            continue  # nothing to send wrong
        fuzz = fuzz_test(operation, mode, visitor_headers(fuzzed))
        with subtests.test(operation.label):
            fuzz()


def test_every_documented_error_has_the_error_shape(gateway_schema: BaseSchema) -> None:
    # FastAPI documents its own {"detail": [...]} for 422 unless a route says otherwise.
    for operation in documented_operations(gateway_schema):
        for status, response in operation.definition.raw["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if status.startswith(("4", "5")) and schema is not None:
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                    operation.label,
                    status,
                )


def test_an_undocumented_method_answers_405_with_the_allowed_ones(
    fuzzed: RunningSystem, gateway_schema: BaseSchema
) -> None:
    documented: dict[str, set[str]] = {}
    for operation in documented_operations(gateway_schema):
        documented.setdefault(operation.path, set()).add(operation.method.upper())
    with httpx.Client(base_url=fuzzed.gateway_url, headers=visitor_headers(fuzzed)) as client:
        for path, methods in documented.items():
            url = path.replace("{action_id}", "EO-00000000")
            answer = client.request("PUT", url)
            assert answer.status_code == 405, (path, answer.text)
            assert answer.json()["error"]["code"] == "method_not_allowed"
            allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")}
            assert methods <= allowed, (path, answer.headers)
