"""`copilot insights` shows the insights service's error when it refuses the query."""

import asyncio
from pathlib import Path

import pytest
from copilot_cli.main import main
from copilot_contracts import subjects

from tests.cli.refusing_services import REFUSAL, answering, as_operator_of


async def test_a_refused_query_shows_the_services_error(
    private_nats_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_operator_of(monkeypatch, tmp_path)
    async with answering(private_nats_url, {subjects.INSIGHTS_REPORT_QUERY: REFUSAL}):
        code = await asyncio.to_thread(main, ["insights", "--nats-url", private_nats_url])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{subjects.INSIGHTS_REPORT_QUERY} refused the request (invalid_request)" in err
    assert REFUSAL.error.message in err and "Traceback" not in err
