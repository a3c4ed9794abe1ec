"""`copilot privacy delete` refuses an id that names no visitor before it touches anything,
and shows a service's error when the service refuses the erasure."""

import asyncio
from pathlib import Path

import pytest
from copilot_cli.main import main
from copilot_contracts import subjects
from copilot_contracts.envelope import Message
from copilot_contracts.privacy import InsightsPersonalDataErased, OrdersPersonalDataErased

from tests.cli.refusing_services import REFUSAL, answering, as_operator_of


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


@pytest.mark.parametrize(
    "refusing", [subjects.ORDERS_PERSONAL_DATA_ERASE, subjects.INSIGHTS_PERSONAL_DATA_ERASE]
)
async def test_an_erasure_a_service_refuses_shows_its_error(
    refusing: str,
    private_nats_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_operator_of(monkeypatch, tmp_path)
    answers: dict[str, Message] = {
        subjects.ORDERS_PERSONAL_DATA_ERASE: OrdersPersonalDataErased(orders=0),
        subjects.INSIGHTS_PERSONAL_DATA_ERASE: InsightsPersonalDataErased(rows=0),
        refusing: REFUSAL,
    }
    command = ["privacy", "delete", "--conversation", "c" * 32, "--nats-url", private_nats_url]
    async with answering(private_nats_url, answers):
        code = await asyncio.to_thread(main, command)
    assert code == 1
    err = capsys.readouterr().err
    assert f"{refusing} refused the request (invalid_request)" in err
    assert REFUSAL.error.message in err and "Traceback" not in err
