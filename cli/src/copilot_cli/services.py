"""Start the services as processes, wait until each is ready, stop them together."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

# Tool services first, so the orchestrator and gateway find them answering.
SERVICES: dict[str, int] = {
    "rag": 8002,
    "orders": 8003,
    "github": 8004,
    "insights": 8005,
    "orchestrator": 8001,
    "gateway": 8000,
}


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        # As uvicorn does: connections closing on the port (TIME_WAIT) do not block it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def ready(port: int, host: str = "127.0.0.1") -> bool:
    url = f"http://{host}:{port}/ready"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 # always http
            return bool(json.loads(response.read()).get("status") == "ready")
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class ServiceGroup:
    env: dict[str, str]
    cwd: str | None = None
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Settings of one service only, such as its own NATS login."""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(
        self, name: str, log_file: str | None = None, extra_env: dict[str, str] | None = None
    ) -> None:
        env = {
            **os.environ,
            **self.env,
            **self.service_env.get(name, {}),
            **(extra_env or {}),
            "PORT": str(self.ports[name]),
        }
        out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - lives with the child
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"copilot_{name}"],
            env=env,
            cwd=self.cwd,
            stdout=out,
            stderr=out,
        )

    def wait_ready(self, name: str, deadline_s: float) -> None:
        stop_at = time.monotonic() + deadline_s
        while time.monotonic() < stop_at:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}")
            if ready(self.ports[name]):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} was not ready within {deadline_s:.0f}s")

    def start_all(self, deadline_s: float = 90.0, log_dir: str | None = None) -> None:
        taken = [f"{name} ({port})" for name, port in self.ports.items() if port_taken(port)]
        if taken:
            raise RuntimeError(f"ports already in use: {', '.join(taken)}; is it running already?")
        for name in self.ports:
            self.start(name, f"{log_dir}/{name}.log" if log_dir else None)
        for name in self.ports:
            self.wait_ready(name, deadline_s)

    def first_exited(self) -> str | None:
        return next((n for n, p in self.processes.items() if p.poll() is not None), None)

    def stop_all(self, grace_s: float = 10.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        stop_at = time.monotonic() + grace_s
        for process in self.processes.values():
            try:
                process.wait(timeout=max(stop_at - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
