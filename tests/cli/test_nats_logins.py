"""The server `copilot run` starts has a login per service and admin's for the CLI, kept
where only its owner can read it; the CLI logs in with it, or with NATS_USER/NATS_PASSWORD."""

import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from copilot_cli.nats_logins import (
    ADMIN,
    LOGINS_FILE,
    REFUSED_LOGIN,
    SERVICE_USERS,
    NatsLogins,
    new_password,
    operator_login,
)

from tests.conftest import own_nats_server


def test_passwords_are_long_random_and_read_back_as_written_by_the_server() -> None:
    passwords = {new_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 32 and password.isalnum() and password[0].isalpha()


def test_the_logins_file_is_for_its_owner_only(tmp_path: Path) -> None:
    (tmp_path / LOGINS_FILE).write_text("{}")
    (tmp_path / LOGINS_FILE).chmod(0o644)
    logins = NatsLogins.generate()
    path = logins.save(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert NatsLogins.load(tmp_path) == logins
    assert set(logins.passwords) == {ADMIN, *SERVICE_USERS}


def test_the_cli_logs_in_with_the_settings_else_as_admin_of_copilot_run(tmp_path: Path) -> None:
    assert operator_login(tmp_path, None, None) == {}
    logins = NatsLogins.generate()
    (tmp_path / "nats").mkdir()
    logins.save(tmp_path / "nats")
    admin = {"user": ADMIN, "password": logins.passwords[ADMIN]}
    assert operator_login(tmp_path, None, None) == admin
    assert operator_login(tmp_path, "ops", "theirs") == {"user": "ops", "password": "theirs"}


def test_the_server_reads_the_authorization_file_and_the_cli_gives_up_on_a_wrong_password(
    tmp_path: Path,
) -> None:
    with own_nats_server(tmp_path) as bus:
        config = (tmp_path / "nats" / "nats-server.conf").read_text()
        assert 'include "' in config and "deploy/nats/authorization.conf" in config
        assert bus.logins is not None
        assert not any(pw in config for pw in bus.logins.passwords.values())
        started = time.monotonic()
        refused = subprocess.run(
            [sys.executable, "-m", "copilot_cli.main", "orders", "list", "--nats-url", bus.url],
            capture_output=True,
            text=True,
            timeout=60,
            env={"NATS_USER": ADMIN, "NATS_PASSWORD": "wrong", "PATH": ""},
            cwd=tmp_path,
        )
        assert refused.returncode == 2 and REFUSED_LOGIN in refused.stderr, refused.stderr
        assert time.monotonic() - started < 15


@pytest.mark.parametrize("login", ["admin", "none"])
def test_the_cli_needs_the_admin_login_on_an_authorized_server(tmp_path: Path, login: str) -> None:
    with own_nats_server(tmp_path) as bus:
        env = {"PATH": "", "DATA_DIR": str(tmp_path / "elsewhere")}
        if login == "admin":
            env.update(bus.login_env(ADMIN))
        listed = subprocess.run(
            [sys.executable, "-m", "copilot_cli.main", "orders", "list", "--nats-url", bus.url],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
    # No orders service is running: logged in, the CLI gets as far as asking for it.
    expected = "orders service is not running" if login == "admin" else "NATS refused the login"
    assert listed.returncode == 2 and expected in listed.stderr, listed.stderr
