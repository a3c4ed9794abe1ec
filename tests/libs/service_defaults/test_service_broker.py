"""A service logs in to NATS as its own user, receives on its own inbox (its JetStream pull
consumers too), keeps the password out of sight, and logs whatever the server refuses it."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS
from copilot_service_defaults.broker import service_broker
from copilot_service_defaults.jetstream import ensure_stream
from copilot_service_defaults.settings import ServiceSettings
from faststream.nats import JStream, PullSub

from tests.conftest import NatsForTests, eventually, own_nats_server
from tests.support.bus_logins import logged_in

pytestmark = pytest.mark.security


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsForTests]:
    with own_nats_server(Path(tmp_path_factory.mktemp("service-broker"))) as server:
        yield server


@pytest.fixture
def root_logging() -> Iterator[None]:
    """service_broker sets up the process's logging; put the test run's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _settings(bus: NatsForTests, user: str, **overrides: Any) -> ServiceSettings:
    login = {key.lower(): value for key, value in bus.login_env(user).items()}
    return ServiceSettings(_env_file=None, nats_url=bus.url, **login, **overrides)  # type: ignore[call-arg]


def test_the_password_is_a_secret_and_required_with_a_user_in_production() -> None:
    settings = ServiceSettings(_env_file=None, nats_user="rag", nats_password="s3cretPassw0rd")  # type: ignore[call-arg]
    assert "s3cretPassw0rd" not in repr(settings) and "s3cretPassw0rd" not in str(settings)
    with pytest.raises(SystemExit, match="NATS_PASSWORD"):
        ServiceSettings(_env_file=None, app_env="production", nats_user="rag")  # type: ignore[call-arg]
    ServiceSettings(_env_file=None, app_env="production")  # type: ignore[call-arg]


async def test_pull_consumers_receive_on_the_services_own_inbox(
    bus: NatsForTests, capsys: pytest.CaptureFixture[str], root_logging: None
) -> None:
    async with logged_in(bus, "orders") as orders:
        await ensure_stream(orders.connection.jetstream(), ACTIONS, replicas=1)
    broker, _ = service_broker("orders", _settings(bus, "orders"))
    received: list[dict[str, Any]] = []

    @broker.subscriber(
        subjects.TOOL_ORDERS_CREATE,
        stream=JStream(name=subjects.ACTIONS_STREAM, declare=False),
        durable="orders-create",
        pull_sub=PullSub(batch_size=1, timeout=1.0),
    )
    async def create_order(body: dict[str, Any]) -> None:
        received.append(body)

    await broker.start()
    try:
        async with logged_in(bus, "orchestrator") as orchestrator:
            await orchestrator.connection.jetstream().publish(
                subjects.TOOL_ORDERS_CREATE, b'{"order": 1}'
            )
        await eventually(lambda: received, within_s=10)
        async with httpx.AsyncClient() as monitor:
            subsz = await monitor.get(f"{bus.monitor_url}/subsz", params={"subs": 1})
        subscriptions = subsz.json()
        inboxes = [
            s["subject"]
            for s in subscriptions.get("subscriptions_list", [])
            if s["subject"].startswith("_INBOX.")
        ]
        assert inboxes and all(s.startswith("_INBOX.orders.") for s in inboxes), inboxes
    finally:
        await broker.stop()
    assert received == [{"order": 1}]
    assert "NATS refused" not in capsys.readouterr().err


async def test_a_refusal_is_logged_as_an_error(
    bus: NatsForTests, capsys: pytest.CaptureFixture[str], root_logging: None
) -> None:
    broker, _ = service_broker("rag", _settings(bus, "rag"))
    await broker.connect()
    try:
        await broker.publish(b"{}", subjects.TOOL_ORDERS_CREATE)

        def logged() -> str | None:
            err = capsys.readouterr().err
            return next((line for line in err.splitlines() if "NATS refused" in line), None)

        line = str(await eventually(logged, within_s=5))
    finally:
        await broker.stop()
    assert '"level": "error"' in line and subjects.TOOL_ORDERS_CREATE in line
    assert "password" not in line.lower()
