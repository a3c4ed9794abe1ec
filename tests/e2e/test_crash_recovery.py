"""A service killed at the worst moment loses nothing and duplicates nothing."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import own_nats_server, wait_until
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.otlp_receiver import OtlpReceiver

ORDER = "Order 2 bags of House Blend, whole bean. My name is Ada Lovelace, ada@example.com"


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """A system whose orders service dies right after committing an order, before replying."""
    data_dir = Path(tmp_path_factory.mktemp("crashing-system"))
    with (
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
        running_system(
            nats, data_dir, receiver, COPILOT_FAILPOINTS="orders.after_commit"
        ) as running,
    ):
        yield running


def _ask(system: RunningSystem) -> list[tuple[str, dict[str, Any]]]:
    with httpx.Client(base_url=system.gateway_url, timeout=90) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, ORDER)
    return events


def test_orders_killed_after_the_commit_still_answer_with_the_one_order(
    crashing: RunningSystem,
) -> None:
    orders = crashing.group.processes["orders"]
    with ThreadPoolExecutor(1) as pool:
        turn = pool.submit(_ask, crashing)
        wait_until(lambda: orders.poll() is not None, timeout=30)
        assert orders.returncode == 137, "died at the failpoint, after its commit"
        crashing.group.start(
            "orders", str(crashing.data_dir / "orders.log"), extra_env={"COPILOT_FAILPOINTS": ""}
        )
        events = turn.result(timeout=90)

    [confirmation] = [data for event, data in events if event == "confirmation"]
    assert events[-1][0] == "done"
    listed = crashing.copilot("orders", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if line.startswith("EO-")]
    assert len(rows) == 1, listed.stdout
    assert rows[0].startswith(str(confirmation["action_id"]))
