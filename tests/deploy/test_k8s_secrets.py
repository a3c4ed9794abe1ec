"""`make k8s-secrets` (deploy/k8s/fill_secrets.py): a new secrets.env gets fresh values for
every <generated> key and its references filled in; an existing one keeps all its values
and gains only the keys it lacks, such as a new service's NATS password."""

import stat
from pathlib import Path

import pytest

from tests.deploy.k8s_support import K8S, OVERLAYS, _fill_secrets_module

fill_secrets = _fill_secrets_module()
EXAMPLE = """# comment
NATS_GATEWAY_PASSWORD=<generated>
NATS_INSIGHTS_PASSWORD=<generated>
OPENAI_API_KEY=<required>
POSTGRES_PASSWORD=<generated>
DATABASE_URL=postgresql+asyncpg://copilot:${POSTGRES_PASSWORD}@postgres:5432/copilot
INSIGHTS_DATABASE_URL=postgresql+asyncpg://copilot:${POSTGRES_PASSWORD}@postgres:5432/insights
"""


def overlay(tmp_path: Path, current: str | None = None) -> Path:
    (tmp_path / "secrets.env.example").write_text(EXAMPLE)
    if current is not None:
        (tmp_path / "secrets.env").write_text(current)
        (tmp_path / "secrets.env").chmod(0o600)
    return tmp_path


def test_a_new_secrets_file_is_generated_for_its_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fill_secrets.main(["fill_secrets.py", str(overlay(tmp_path))]) == 0
    written = tmp_path / "secrets.env"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    values = fill_secrets.entries(written.read_text())
    assert values["NATS_GATEWAY_PASSWORD"] != values["NATS_INSIGHTS_PASSWORD"]
    password = values["POSTGRES_PASSWORD"]
    assert password.isalnum() and password[0].isalpha() and len(password) == 40
    assert values["INSIGHTS_DATABASE_URL"].endswith(f":{password}@postgres:5432/insights")
    assert "OPENAI_API_KEY" in capsys.readouterr().out


def test_an_existing_file_keeps_its_values_and_gains_the_missing_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = (
        "# mine\n"
        "NATS_GATEWAY_PASSWORD=kept1\n"
        "OPENAI_API_KEY=sk-real\n"
        "POSTGRES_PASSWORD=kept2\n"
        "DATABASE_URL=postgresql+asyncpg://copilot:kept2@postgres:5432/copilot\n"
        "EXTRA=mine-too"  # no final newline
    )
    folder = overlay(tmp_path, current)
    assert fill_secrets.main(["fill_secrets.py", str(folder)]) == 0
    text = (folder / "secrets.env").read_text()
    assert text.startswith(current + "\n")
    values = fill_secrets.entries(text)
    assert set(values) == {*fill_secrets.entries(EXAMPLE), "EXTRA"}
    assert values["NATS_INSIGHTS_PASSWORD"].isalnum()
    assert values["INSIGHTS_DATABASE_URL"] == (
        "postgresql+asyncpg://copilot:kept2@postgres:5432/insights"
    )
    assert stat.S_IMODE((folder / "secrets.env").stat().st_mode) == 0o600
    said = capsys.readouterr().out
    assert "added NATS_INSIGHTS_PASSWORD, INSIGHTS_DATABASE_URL" in said
    assert "fill in by hand" not in said
    # Run again: nothing more to add, nothing changed.
    assert fill_secrets.main(["fill_secrets.py", str(folder)]) == 0
    assert (folder / "secrets.env").read_text() == text
    assert "has every key" in capsys.readouterr().out


@pytest.mark.parametrize("name", OVERLAYS)
def test_each_overlays_example_gives_every_service_its_nats_password(name: str) -> None:
    from copilot_cli.nats_logins import ADMIN, SERVICE_USERS, password_variable

    example = fill_secrets.entries((K8S / "overlays" / name / "secrets.env.example").read_text())
    for user in (ADMIN, *SERVICE_USERS):
        assert example[password_variable(user)] == "<generated>", user
