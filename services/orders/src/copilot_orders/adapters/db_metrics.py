"""The database connection pool as Prometheus gauges, read at each scrape, and the
database's spans (each statement a child of the span that ran it)."""

from collections.abc import Iterator

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool


class PoolCollector(Collector):
    """Reports the pool of the engine the process built last (one per service process)."""

    def __init__(self) -> None:
        self.engine: AsyncEngine | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "db_pool_connections", "Database connections of this replica.", labels=["state"]
        )
        pool = self.engine.sync_engine.pool if self.engine is not None else None
        if isinstance(pool, QueuePool):  # SQLite's pool has no size to report
            gauge.add_metric(["checked_out"], pool.checkedout())
            gauge.add_metric(["idle"], pool.checkedin())
            gauge.add_metric(["overflow"], max(pool.overflow(), 0))
            gauge.add_metric(["size"], pool.size())
        yield gauge


POOL = PoolCollector()
REGISTRY.register(POOL)


def observe_database(engine: AsyncEngine, tracing: TracerProvider) -> None:
    POOL.engine = engine
    # The instrumentation declares SQLAlchemy < 2.1; the engine events it hooks are the same
    # in 2.1, and the end-to-end trace test shows the statements' spans in place.
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=tracing, skip_dep_check=True
    )
