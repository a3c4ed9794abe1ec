"""The bus's AsyncAPI documents (docs/asyncapi, `make docs`) are what the code generates,
and document every subject the services' real apps subscribe to, with each message's
schema from its contract."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from copilot_contracts import subjects

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "asyncapi"
CONTRACT_CONSTANTS = {
    name: value
    for name, value in vars(subjects).items()
    if name.isupper() and isinstance(value, str) and value.startswith(f"{subjects.ROOT}.")
}


def covers(pattern: str, subject: str) -> bool:
    """Whether a NATS subscription to `pattern` receives messages sent on `subject`."""
    wanted, given = pattern.split("."), subject.split(".")
    for position, token in enumerate(wanted):
        if token == ">":
            return len(given) > position
        if position >= len(given) or token not in ("*", given[position]):
            return False
    return len(wanted) == len(given)


def references(node: Any) -> Iterator[str]:
    """Every `$ref` in a document, as a JSON pointer in a URI fragment."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def documents() -> dict[str, dict[str, Any]]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(DOCS.glob("*.yaml"))
    }


@pytest.fixture(scope="module")
def subscribed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """What each service's real app subscribes to (built in a process of its own)."""
    data = tmp_path_factory.mktemp("apps")
    listed = subprocess.run(
        [sys.executable, "-m", "tests.support.service_subscriptions", str(data)],
        cwd=data,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, list[str]] = json.loads(listed.stdout.splitlines()[-1])
    return found


def test_the_committed_documents_are_what_the_code_generates() -> None:
    checked = subprocess.run(
        [sys.executable, str(DOCS / "generate.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


def test_each_service_documents_what_its_app_subscribes_to(
    subscribed: dict[str, list[str]],
) -> None:
    documented = {
        service: sorted(channel["address"] for channel in document["channels"].values())
        for service, document in documents().items()
    }
    assert documented == subscribed


def test_every_contract_subject_a_service_subscribes_to_is_documented(
    subscribed: dict[str, list[str]],
) -> None:
    addresses = [
        channel["address"]
        for document in documents().values()
        for channel in document["channels"].values()
    ]
    received = {
        name
        for name, subject in CONTRACT_CONSTANTS.items()
        if any(covers(pattern, subject) for patterns in subscribed.values() for pattern in patterns)
    }
    assert "INSIGHTS_TURN_FAILED" in received and "RAG_EMBED" in received  # the scan finds them
    undocumented = {
        name
        for name in received
        if not any(covers(address, CONTRACT_CONSTANTS[name]) for address in addresses)
    }
    assert undocumented == set()


def test_payloads_are_the_contracts_schemas_and_every_reference_resolves() -> None:
    for service, document in documents().items():
        schemas = document["components"]["schemas"]
        for message in document["components"]["messages"].values():
            name = message["payload"]["$ref"].removeprefix("#/components/schemas/")
            assert schemas[name]["title"] == name, service  # a contract model, not a dict
            assert schemas[name]["type"] == "object" and schemas[name]["properties"]
        for reference in references(document):
            node: Any = document
            for part in reference.removeprefix("#/").split("/"):
                node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
            assert isinstance(node, dict), (service, reference)


def test_durable_consumers_are_documented_with_their_delivery_settings() -> None:
    decide = documents()["orders"]["channels"]["copilot.v1.orders.order.decide:DecideOrder"]
    assert decide["x-jetstream"] == {
        "stream": subjects.ACTIONS_STREAM,
        "durable": "orders-decide",
        "ackWaitSeconds": 5.0,
        "maxDeliver": 5,
        "backoffSeconds": [5.0, 10.0, 30.0, 60.0],
    }
    query = documents()["orders"]["channels"]["copilot.v1.orders.order.query:QueryOrders"]
    assert "x-jetstream" not in query and query["bindings"]["nats"]["queue"] == "orders"


def test_a_subscription_pattern_covers_what_nats_would_deliver() -> None:
    assert covers("copilot.v1.insights.turn.*", subjects.INSIGHTS_TURN_FAILED)
    assert covers("copilot.v1.>", subjects.RAG_EMBED)
    assert not covers("copilot.v1.insights.turn.*", "copilot.v1.insights.turn.a.b")
    assert not covers(subjects.RAG_EMBED, subjects.RAG_REINDEX_COMPLETED)
