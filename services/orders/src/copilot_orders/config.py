from pathlib import Path

from copilot_service_defaults.settings import ServiceSettings
from pydantic import Field

BUNDLED_CATALOG = Path(__file__).parent / "sample_catalog.json"


class OrdersSettings(ServiceSettings):
    port: int = 8003
    database_url: str | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    db_timeout_s: float = Field(default=10.0, gt=0, le=300)
    """PostgreSQL: how long a connection or a statement may take before ordering is
    answered as unavailable."""
    order_confirmation_ttl_s: int = Field(default=900, ge=60)
    expiry_sweep_s: float = Field(default=60.0, gt=0)
    migrate_on_start: bool = True
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    catalog_path: Path = BUNDLED_CATALOG

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{Path(self.data_dir) / 'orders.db'}"
