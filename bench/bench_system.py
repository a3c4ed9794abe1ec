"""The whole system as `make run` starts it (a nats-server of its own with a login per
service, every service a process), its model a scripted OpenAI-compatible server."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from copilot_cli import nats_server
from copilot_cli.nats_logins import ADMIN, NatsLogins
from copilot_cli.services import SERVICES, ServiceGroup

HERE = Path(__file__).resolve().parent
# The passages' vectors of `make run`'s own cache: the docs are embedded once, not per run.
EMBEDDING_CACHE = HERE.parent / ".data" / "embedding-cache.sqlite"
UNLIMITED = "1000000/15m"
# The load comes from one address, one site key and few sessions: the rate limits are
# raised (they are still counted on every request, as in production).
RATE_LIMITS = {
    name: UNLIMITED
    for name in (
        "CHAT_RATE_LIMIT",
        "CHAT_RATE_LIMIT_PER_IP",
        "CHAT_RATE_LIMIT_PER_SITE",
        "API_RATE_LIMIT",
        "SESSION_RATE_LIMIT_PER_IP",
    )
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScriptedModelServer:
    """bench/llm_server.py as a child process; `use(profile)` switches its latency."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "llm_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self._answer()

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line:
            raise RuntimeError("the scripted model server did not start")
        return line

    def use(self, profile: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"profile {profile}\n")
        self.process.stdin.flush()
        if (answer := self._answer()) != "ok":
            raise RuntimeError(f"the scripted model server refused {profile}: {answer}")

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class BenchBus:
    url: str
    logins: NatsLogins
    pid: int

    def admin(self) -> dict[str, str]:
        return {"user": ADMIN, "password": self.logins.passwords[ADMIN]}


@contextmanager
def own_bus(data_dir: Path) -> Iterator[BenchBus]:
    address = nats_server.NatsAddress("127.0.0.1", free_port())
    logins = NatsLogins.generate()
    process = nats_server.start_server(address, data_dir, logins=logins)
    try:
        yield BenchBus(f"nats://127.0.0.1:{address.port}", logins, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class RunningSystem:
    gateway_url: str
    """Also the page origin the load's sessions are opened from (the gateway's own)."""
    pids: dict[str, int]


@contextmanager
def running_system(bus: BenchBus, data_dir: Path, model_url: str) -> Iterator[RunningSystem]:
    ports = {name: free_port() for name in SERVICES}
    gateway_url = f"http://127.0.0.1:{ports['gateway']}"
    group = ServiceGroup(
        env={
            "NATS_URL": bus.url,
            "DATA_DIR": str(data_dir),
            "ALLOWED_ORIGINS": gateway_url,
            "LLM_PROVIDER": "openai",
            "OPENAI_BASE_URL": model_url,
            "OPENAI_API_KEY": "bench",
            "GITHUB_TOKEN": "",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "",
            "EMBEDDING_CACHE_PATH": str(EMBEDDING_CACHE),
            **RATE_LIMITS,
        },
        cwd=str(data_dir),
        ports=ports,
        service_env={name: bus.logins.login_env(name) for name in SERVICES},
    )
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    try:
        group.start_all(deadline_s=180, log_dir=str(logs))
    except RuntimeError:
        group.stop_all()
        for log in sorted(logs.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}", file=sys.stderr)
        raise
    try:
        yield RunningSystem(gateway_url, {n: p.pid for n, p in group.processes.items()})
    finally:
        group.stop_all()
