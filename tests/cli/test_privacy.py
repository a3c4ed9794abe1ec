"""`copilot privacy delete` refuses an id that names no visitor before it touches anything."""

import pytest
from copilot_cli.main import main


@pytest.mark.parametrize(
    "args",
    [
        ["--session", "abc"],
        ["--conversation", "../x"],
        ["--session", "A" * 32],
        ["--conversation", "0" * 33],
    ],
)
def test_a_malformed_id_is_refused_and_nothing_is_done(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # No NATS server answers on this port: reaching the bus would be another failure.
    assert main(["privacy", "delete", *args, "--nats-url", "nats://127.0.0.1:9"]) == 2
    assert "nothing was changed" in capsys.readouterr().err
