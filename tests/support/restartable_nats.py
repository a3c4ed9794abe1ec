"""A NATS server of our own that can be killed and started again on the same port and store
(JetStream on file storage, fsync always, and, authorized, the project's logins)."""

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from copilot_cli import nats_server
from copilot_cli.nats_logins import NatsLogins

from tests.conftest import NatsForTests, free_port


class RestartableNats:
    def __init__(self, data_dir: Path, authorized: bool = True) -> None:
        self.data_dir = data_dir
        self.address = nats_server.NatsAddress("127.0.0.1", free_port())
        self.monitor_port = free_port()
        self.logins = NatsLogins.generate() if authorized else None
        self.process: subprocess.Popen[bytes] | None = None
        self.restarted_at: list[float] = []  # epoch seconds
        self.info = NatsForTests(
            url=f"nats://{self.address.host}:{self.address.port}",
            monitor_url=f"http://{self.address.host}:{self.monitor_port}",
            log=data_dir / "nats" / "nats-server.log",
            logins=self.logins,
        )

    def start(self) -> None:
        self.process = nats_server.start_server(
            self.address, self.data_dir, monitor_port=self.monitor_port, logins=self.logins
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a crashed server or a lost node."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.restarted_at.append(time.time())
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def restartable_nats(data_dir: Path, authorized: bool = True) -> Iterator[RestartableNats]:
    server = RestartableNats(data_dir, authorized)
    server.start()
    try:
        yield server
    finally:
        server.stop()
