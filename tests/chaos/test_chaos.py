"""Chaos: while visitors keep chatting, ordering and reporting, every service in turn is
SIGKILLed and started again, then the NATS server. No turn may be lost, no confirmed order
or sent report lost or duplicated, every failed turn must end with an `error` event within
30 s, and every service must come back ready by itself.

`make chaos` runs CHAOS_ROUNDS=3 of it; `make test` one round. The chaos table is printed
and written to CHAOS_RESULTS (tests/artifacts by default) as chaos-<date>.json."""

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.chaos.ledger import ChaosTable, check_orders, check_reports, tally
from tests.chaos.load import SteadyLoad
from tests.chaos.refusals import replies_refused_after_restarts
from tests.chaos.system_env import chaos_env
from tests.chaos.visitor_model import visitor_model
from tests.conftest import wait_until
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.fake_github import FakeGithub
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.restartable_nats import RestartableNats, restartable_nats
from tests.support.scripted_llm import ScriptedLLM

ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "1"))
VISITORS = int(os.environ.get("CHAOS_VISITORS", "4"))
RESULTS = Path(os.environ.get("CHAOS_RESULTS", Path(__file__).parents[1] / "artifacts"))
TARGETS = ("gateway", "orchestrator", "rag", "orders", "github", "insights")
# Generous for a loaded 2-core machine: "lost" means no `done` or `error` at all by then.
LOST_AFTER_S = 150.0
DECIDE_WITHIN_S = 120.0
# The first start embeds the bundled docs: minutes on a busy machine with a cold cache.
READY_WITHIN_S = 300.0

pytestmark = pytest.mark.chaos


def _ready_everywhere(system: RunningSystem) -> None:
    for name in TARGETS:
        system.group.wait_ready(name, READY_WITHIN_S)


def _kill_and_restart(system: RunningSystem, name: str) -> None:
    process = system.group.processes[name]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    system.group.start(name, str(system.data_dir / f"{name}.log"))


def _disrupt(
    system: RunningSystem, nats: RestartableNats, load: SteadyLoad, name: str
) -> dict[str, object]:
    """Kill `name`, start it again, wait until every service is ready and visitors get
    answers again; how long each took."""
    killed_at = time.monotonic()
    if name == "nats":
        nats.restart()
    else:
        _kill_and_restart(system, name)
    _ready_everywhere(system)
    ready_at = time.monotonic()
    wait_until(lambda: load.completed_since(ready_at) >= VISITORS, timeout=READY_WITHIN_S)
    return {
        "target": name,
        "ready_after_s": round(ready_at - killed_at, 1),
        "answering_after_s": round(time.monotonic() - killed_at, 1),
    }


def _write(table: ChaosTable, disruptions: list[dict[str, object]]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"chaos-{datetime.now(UTC):%Y-%m-%d}.json"
    report = {
        "rounds": ROUNDS,
        "visitors": VISITORS,
        "table": table.as_dict(),
        "disruptions": disruptions,
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


@pytest.mark.timeout(240 + ROUNDS * 600)
def test_no_turn_order_or_report_is_lost_or_duplicated_while_services_crash(
    tmp_path: Path,
) -> None:
    disruptions: list[dict[str, object]] = []
    with (
        FakeGithub() as github,
        ScriptedLLM(visitor_model) as llm,
        restartable_nats(tmp_path) as nats,
        OtlpReceiver() as receiver,
        running_system(
            nats.info,
            tmp_path,
            receiver,
            READY_WITHIN_S,
            expected_refusals=replies_refused_after_restarts(nats.restarted_at),
            **chaos_env(llm, github),
        ) as system,
    ):
        load = SteadyLoad(system.gateway_url, VISITORS, LOST_AFTER_S, DECIDE_WITHIN_S)
        with load:
            began = time.monotonic()
            wait_until(lambda: load.completed_since(began) >= VISITORS, timeout=READY_WITHIN_S)
            for _ in range(ROUNDS):
                for name in (*TARGETS, "nats"):
                    disruptions.append(_disrupt(system, nats, load, name))
        table = tally([d["target"] for d in disruptions], load.turns)  # type: ignore[misc]
        check_orders(table, load.turns, nats.info.url, nats.info.login(), load.session_ids())
        check_reports(table, load.turns, github)
    path = _write(table, disruptions)
    print(f"\nchaos table ({path}):\n{json.dumps(table.as_dict(), indent=2)}")
    for disruption in disruptions:
        print(disruption)

    assert table.lost == 0, table.problems
    assert table.failed_late == 0, f"errors later than 30 s: {table.error_codes}"
    assert table.lost_confirmed_orders == 0 and table.lost_sent_reports == 0, table.problems
    assert table.duplicates == 0, table.problems
    assert table.decisions_unsettled == 0, table.problems
    assert not table.problems, table.problems
    assert table.completed > 0 and table.orders_confirmed > 0 and table.reports_sent > 0
