"""Fixtures shared by the whole suite: a real NATS server of our own, free ports, polling."""

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from copilot_cli import nats_server
from copilot_cli.nats_logins import ADMIN, NatsLogins


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    condition: Callable[[], object], timeout: float = 20.0, every: float = 0.05
) -> object:
    """Poll until `condition()` is truthy; fail with a clear message at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


async def eventually(
    condition: Callable[[], object], within_s: float = 20.0, every: float = 0.05
) -> object:
    """`wait_until` for async tests: polls without blocking the event loop."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {within_s}s")


@dataclass(frozen=True)
class NatsForTests:
    url: str
    monitor_url: str
    log: Path
    logins: NatsLogins | None = None
    """None for a server without authorization: anyone may do anything."""

    def login(self, user: str = ADMIN) -> dict[str, str]:
        """`user` and `password` for nats.connect (nothing when there are no logins)."""
        if self.logins is None:
            return {}
        return {"user": user, "password": self.logins.passwords[user]}

    def login_env(self, user: str = ADMIN) -> dict[str, str]:
        """NATS_USER and NATS_PASSWORD for a service or a CLI command in a subprocess."""
        return {} if self.logins is None else self.logins.login_env(user)


@contextmanager
def own_nats_server(data_dir: Path, authorized: bool = True) -> Iterator[NatsForTests]:
    """A NATS server with JetStream of its own (the real binary, free ports); authorized,
    it has the logins and permissions of deploy/nats/authorization.conf."""
    address = nats_server.NatsAddress("127.0.0.1", free_port())
    monitor_port = free_port()
    logins = NatsLogins.generate() if authorized else None
    process = nats_server.start_server(address, data_dir, monitor_port=monitor_port, logins=logins)
    try:
        yield NatsForTests(
            url=f"nats://{address.host}:{address.port}",
            monitor_url=f"http://{address.host}:{monitor_port}",
            log=data_dir / "nats" / "nats-server.log",
            logins=logins,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsForTests]:
    """A bus without authorization, for the services' own integration tests."""
    with own_nats_server(Path(tmp_path_factory.mktemp("nats")), authorized=False) as server:
        yield server


@pytest.fixture(scope="session")
def nats_url(nats: NatsForTests) -> str:
    return nats.url


@pytest.fixture(scope="module")
def private_nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A bus for one test module alone: no other test's services answer on it."""
    with own_nats_server(Path(tmp_path_factory.mktemp("private-nats")), authorized=False) as server:
        yield server.url
