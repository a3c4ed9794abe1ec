"""The whole system as `make run` starts it: five service processes on a real NATS server,
each logged in as its own user with only the permissions of deploy/nats/authorization.conf.
Anything the bus refuses a service fails the tests that ran on that system."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from copilot_cli.services import SERVICES, ServiceGroup

from tests.conftest import NatsForTests, free_port, own_nats_server
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.sse import read_events


@dataclass
class RunningSystem:
    gateway_url: str
    receiver: OtlpReceiver
    data_dir: Path
    nats: NatsForTests
    group: ServiceGroup

    def operator_env(self) -> dict[str, str]:
        """The environment of a CLI command an operator runs: logged in as admin."""
        return {**os.environ, **self.nats.login_env()}

    def copilot(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`copilot <args>` as an operator runs it against this system's bus."""
        return subprocess.run(
            [sys.executable, "-m", "copilot_cli.main", *args, "--nats-url", self.nats.url],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.operator_env(),
        )

    def session_token(self, client: httpx.Client) -> str:
        created = client.post("/api/sessions", json={"site_key": "demo-site-key"})
        assert created.status_code == 201, created.text
        return str(created.json()["token"])

    def ask(
        self, client: httpx.Client, token: str, message: str, conversation_id: str | None = None
    ) -> tuple[httpx.Headers, list[tuple[str, dict[str, Any]]]]:
        body: dict[str, Any] = {"message": message}
        if conversation_id:
            body["conversation_id"] = conversation_id
        headers = {"Authorization": f"Bearer {token}"}
        with client.stream("POST", "/api/chat", json=body, headers=headers) as response:
            assert response.status_code == 200, response.read()
            return response.headers, list(read_events(response))


def bus_refusals(
    nats: NatsForTests,
    server_log_from: int,
    data_dir: Path,
    expected: Callable[[str], bool] = lambda line: False,
) -> list[str]:
    """What the server refused since `server_log_from`, and what services logged as refused,
    but for the refusals `expected` accepts."""
    written = nats.log.read_bytes()[server_log_from:].decode(errors="replace")
    refused = [
        line
        for line in written.splitlines()
        if " Violation " in line or "authentication error" in line
    ]
    for log in sorted(data_dir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        refused += [f"{log.name}: {line}" for line in lines if "NATS refused" in line]
    return [line for line in refused if not expected(line)]


@contextmanager
def running_system(
    nats: NatsForTests,
    data_dir: Path,
    receiver: OtlpReceiver,
    ready_within_s: float = 90,
    expected_refusals: Callable[[str], bool] = lambda line: False,
    **env: str,
) -> Iterator[RunningSystem]:
    if nats.logins is None:
        raise ValueError("the system runs on an authorized bus: own_nats_server(authorized=True)")
    server_log_from = nats.log.stat().st_size
    ports = {name: free_port() for name in SERVICES}
    group = ServiceGroup(
        env={
            "NATS_URL": nats.url,
            # The demo page is served by the gateway itself, from its own origin.
            "ALLOWED_ORIGINS": f"http://127.0.0.1:{ports['gateway']}",
            "DATA_DIR": str(data_dir),
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "LLM_PROVIDER": "offline",
            "OPENAI_API_KEY": "",
            "GITHUB_TOKEN": "",
            # Every system of the test run shares one cache: the docs are embedded once.
            "EMBEDDING_CACHE_PATH": str(data_dir.parent / "embedding-cache.sqlite"),
            "INGEST_ROOTS": str(data_dir.parent),
            # Every test visitor comes from 127.0.0.1: per-IP limits sized for the suite.
            "SESSION_RATE_LIMIT_PER_IP": "100000/15m",
            "CHAT_RATE_LIMIT_PER_IP": "100000/15m",
            **env,
        },
        cwd=str(data_dir),
        ports=ports,
        service_env={name: nats.login_env(name) for name in SERVICES},
    )
    try:
        group.start_all(deadline_s=ready_within_s, log_dir=str(data_dir))
    except RuntimeError:
        group.stop_all()
        for log in sorted(data_dir.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")
        raise
    try:
        url = f"http://127.0.0.1:{group.ports['gateway']}"
        yield RunningSystem(url, receiver, data_dir, nats, group)
    finally:
        group.stop_all()
    refused = bus_refusals(nats, server_log_from, data_dir, expected_refusals)
    if refused:
        raise AssertionError("NATS refused the services:\n" + "\n".join(refused))


@pytest.fixture(scope="session")
def authorized_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsForTests]:
    with own_nats_server(Path(tmp_path_factory.mktemp("authorized-nats"))) as server:
        yield server


@pytest.fixture(scope="session")
def system(
    authorized_nats: NatsForTests, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """The offline system, as `make run` starts it with no OPENAI_API_KEY."""
    data_dir = Path(tmp_path_factory.mktemp("system"))
    with (
        OtlpReceiver() as receiver,
        running_system(authorized_nats, data_dir, receiver) as running,
    ):
        yield running
