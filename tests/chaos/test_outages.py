"""Outages under load: the orders database (PostgreSQL behind a proxy that is cut) and the
docs index (Qdrant, made unreachable at the adapter while the service runs). Turns during an
outage end with a graceful tool failure the assistant explains, nothing is half-written, and
once the outage ends turns succeed again, with no service restarted."""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from tests.chaos.ledger import check_orders, tally
from tests.chaos.load import SteadyLoad
from tests.chaos.system_env import chaos_env
from tests.chaos.visitor import TurnRecord
from tests.chaos.visitor_model import visitor_model
from tests.conftest import own_nats_server, wait_until
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.fake_github import FakeGithub
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.postgres import POSTGRES, as_postgres, fresh_database, postgres_answers
from tests.support.scripted_llm import ScriptedLLM
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.chaos

VISITORS = 4
WITHIN_S = 150.0


@dataclass
class Outages:
    system: RunningSystem
    database: str | None
    proxy: TcpProxy | None
    failpoints: Path

    def arm(self, name: str) -> None:
        self.failpoints.write_text(f"{name}\n")

    def disarm(self) -> None:
        self.failpoints.write_text("")

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.system.group.processes.items()}


@pytest.fixture(scope="module")
def outages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outages]:
    """The system on PostgreSQL through a proxy when PostgreSQL answers, else on SQLite (the
    database outage is then skipped); any service reads its failpoints from one file."""
    data_dir = Path(tmp_path_factory.mktemp("outages"))
    failpoints = data_dir / "failpoints"
    failpoints.write_text("")
    with (
        fresh_database() if postgres_answers() else _no_database() as database,
        TcpProxy(*POSTGRES) as proxy,
        FakeGithub() as github,
        ScriptedLLM(visitor_model) as llm,
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
    ):
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{database}"
        with running_system(
            nats,
            data_dir,
            receiver,
            300,
            **({"DATABASE_URL": url} if database else {}),
            COPILOT_FAILPOINTS_FILE=str(failpoints),
            **chaos_env(llm, github),
        ) as system:
            yield Outages(system, database, proxy if database else None, failpoints)


@contextmanager
def _no_database() -> Iterator[None]:
    yield None


def _ended(load: SteadyLoad, since: float, kind: str, how: Callable[[TurnRecord], bool]) -> int:
    return sum(
        1
        for t in list(load.turns)
        if t.started >= since and t.kind == kind and t.outcome != "lost" and how(t)
    )


def _failed_gracefully(tool: str) -> Callable[[TurnRecord], bool]:
    """Answered, with the tool's failure shown (and explained by the assistant)."""
    return lambda t: t.outcome == "completed" and tool in t.tool_failures


def _run_an_outage(
    outages: Outages,
    load: SteadyLoad,
    kind: str,
    tool: str,
    start: Callable[[], None],
    end: Callable[[], None],
    recovered: Callable[[TurnRecord], bool],
) -> tuple[float, float]:
    warm = time.monotonic()
    wait_until(lambda: load.completed_since(warm) >= VISITORS, timeout=WITHIN_S)
    start()
    began = time.monotonic()
    wait_until(lambda: _ended(load, began, kind, _failed_gracefully(tool)) >= 2, timeout=WITHIN_S)
    end()
    back = time.monotonic()
    wait_until(lambda: _ended(load, back, kind, recovered) >= 2, timeout=WITHIN_S)
    return began, back


def test_a_docs_index_outage_is_explained_and_search_comes_back(outages: Outages) -> None:
    pids = outages.pids()
    with SteadyLoad(outages.system.gateway_url, VISITORS, WITHIN_S, WITHIN_S) as load:
        began, _ = _run_an_outage(
            outages,
            load,
            "docs",
            "searchDocs",
            start=lambda: outages.arm("rag.qdrant_unreachable"),
            end=outages.disarm,
            recovered=lambda t: t.outcome == "completed" and not t.tool_failures,
        )
    table = tally([], load.turns)
    assert (table.lost, table.failed_late, table.failed_cleanly) == (0, 0, 0), table.problems
    during = [t for t in load.turns if began <= t.started and t.kind == "docs" and t.tool_failures]
    assert {tool for t in during for tool in t.tool_failures} == {"searchDocs"}
    assert outages.pids() == pids, "no service was restarted"


@pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432")
@pytest.mark.parametrize("outage", ["cut", "stall"])
def test_a_database_outage_fails_orders_cleanly_and_ordering_comes_back(
    outages: Outages, outage: str
) -> None:
    """Cut: the server is gone (connections reset). Stall: it stops answering (packets
    dropped), and requests fail after DB_TIMEOUT_S."""
    assert outages.proxy is not None and outages.database is not None
    proxy, pids = outages.proxy, outages.pids()
    with SteadyLoad(outages.system.gateway_url, VISITORS, WITHIN_S, WITHIN_S) as load:
        _run_an_outage(
            outages,
            load,
            "order",
            "createOrder",
            start=proxy.cut if outage == "cut" else proxy.stall,
            end=proxy.restore,
            recovered=lambda t: t.decision == "confirmed",
        )
    table = tally([], load.turns)
    nats = outages.system.nats
    check_orders(table, load.turns, nats.url, nats.login(), load.session_ids())
    assert (table.lost, table.failed_late, table.failed_cleanly) == (0, 0, 0), table.problems
    assert table.lost_confirmed_orders == table.duplicates == table.decisions_unsettled == 0
    assert not table.problems, table.problems
    assert outages.pids() == pids, "no service was restarted"
    _nothing_half_written(outages.database)


def _nothing_half_written(database: str) -> None:
    """Every order has its lines; every confirmed one its OrderPlaced event, published."""
    without_lines = asyncio.run(
        as_postgres(
            "SELECT id FROM orders o WHERE NOT EXISTS "
            "(SELECT 1 FROM order_lines l WHERE l.order_id = o.id)",
            database,
        )
    )
    assert without_lines == []

    def unannounced() -> list[asyncpg.Record]:
        return asyncio.run(
            as_postgres(
                "SELECT o.id FROM orders o WHERE o.status = 'confirmed' AND NOT EXISTS "
                "(SELECT 1 FROM outbox x WHERE x.payload LIKE '%' || o.id || '%' "
                "AND x.published_at IS NOT NULL)",
                database,
            )
        )

    wait_until(lambda: unannounced() == [], timeout=60, every=1)
