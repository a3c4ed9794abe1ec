"""Logins to the bus: one user per service and `admin` for operators.

The permissions are in deploy/nats/authorization.conf; the server reads each password from
its environment. `copilot run` makes fresh passwords for the server it starts and keeps
them in DATA_DIR/nats/logins.json (readable by its owner only), so that `copilot ingest` and
`copilot orders` in another terminal can log in as admin."""

import asyncio
import json
import os
import secrets
import string
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nats
from copilot_contracts.replies import ServiceError
from nats.aio.client import Client
from nats.errors import NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError

AUTHORIZATION_CONF = Path(__file__).resolve().parents[3] / "deploy" / "nats" / "authorization.conf"
ADMIN = "admin"
T = TypeVar("T")
SERVICE_USERS = ("gateway", "orchestrator", "rag", "orders", "github", "insights")
LOGINS_FILE = "logins.json"
_PASSWORD_LENGTH = 32


def password_variable(user: str) -> str:
    """The server's environment variable that authorization.conf reads the password from."""
    return f"NATS_{user.upper()}_PASSWORD"


def new_password() -> str:
    # The server parses the variable's value as a config token: a letter, then letters and
    # digits, always reads back as the same string.
    alphanumeric = string.ascii_letters + string.digits
    rest = "".join(secrets.choice(alphanumeric) for _ in range(_PASSWORD_LENGTH - 1))
    return secrets.choice(string.ascii_letters) + rest


@dataclass(frozen=True)
class NatsLogins:
    passwords: dict[str, str]

    @classmethod
    def generate(cls) -> "NatsLogins":
        return cls({user: new_password() for user in (ADMIN, *SERVICE_USERS)})

    def server_env(self) -> dict[str, str]:
        return {password_variable(user): pw for user, pw in self.passwords.items()}

    def login_env(self, user: str) -> dict[str, str]:
        """The settings a service (or the CLI) reads to log in as `user`."""
        return {"NATS_USER": user, "NATS_PASSWORD": self.passwords[user]}

    def save(self, store: Path) -> Path:
        path = store / LOGINS_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # the file may be older, from a umask that let others read it
        with os.fdopen(fd, "w") as out:
            json.dump(self.passwords, out, indent=2)
        return path

    @classmethod
    def load(cls, store: Path) -> "NatsLogins | None":
        try:
            passwords = json.loads((store / LOGINS_FILE).read_text())
        except (OSError, ValueError):
            return None
        return cls(passwords) if isinstance(passwords, dict) else None


def operator_login(data_dir: Path, user: str | None, password: str | None) -> dict[str, str]:
    """How the CLI logs in: NATS_USER/NATS_PASSWORD when set, else the admin login of the
    server `copilot run` started; none for a server without authorization."""
    if user:
        return {"user": user, "password": password or ""}
    logins = NatsLogins.load(data_dir / "nats")
    if logins is not None and ADMIN in logins.passwords:
        return {"user": ADMIN, "password": logins.passwords[ADMIN]}
    return {}


class LoginRefused(Exception):
    """The server refused the user name or password."""


async def connect(nats_url: str, login: dict[str, str]) -> Client:
    """A connection for one CLI command, which gives up rather than retry for ever: on a
    refused login at once, on a server that does not answer after a second attempt."""

    async def give_up_when_refused(error: Exception) -> None:
        if "authorization violation" in str(error).lower():
            raise LoginRefused(str(error))

    return await nats.connect(
        nats_url,
        connect_timeout=3,
        max_reconnect_attempts=1,
        error_cb=give_up_when_refused,
        **login,
    )


REFUSED_LOGIN = (
    "NATS refused the login: set NATS_USER and NATS_PASSWORD, or, for the server `copilot run`"
    " started, run from the folder it was started in (its admin login is in DATA_DIR/nats/)."
)


def on_the_bus(work: Coroutine[Any, Any, T], nats_url: str, no_answer: str) -> T | None:
    """Run a CLI command's work against the bus; None, once the failure is explained."""
    try:
        return asyncio.run(work)
    except LoginRefused:
        print(REFUSED_LOGIN, file=sys.stderr)
    except (NoServersError, OSError):
        print(f"No NATS server answers at {nats_url}.", file=sys.stderr)
    except (NoRespondersError, NatsTimeoutError):
        print(no_answer, file=sys.stderr)
    except ServiceError as refused:
        asked = f"The service answering {refused.subject}" if refused.subject else "The service"
        print(f"{asked} refused the request ({refused.code}): {refused.message}", file=sys.stderr)
    return None
