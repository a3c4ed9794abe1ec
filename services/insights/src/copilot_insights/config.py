from pathlib import Path

from copilot_service_defaults.settings import ServiceSettings
from pydantic import Field


class InsightsSettings(ServiceSettings):
    port: int = 8005
    insights_database_url: str | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=5, ge=0, le=200)
    transcript_retention_days: int = Field(default=30, ge=1, le=3650)
    retention_sweep_s: float = Field(default=3600.0, gt=0)
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)

    @property
    def resolved_database_url(self) -> str:
        return self.insights_database_url or (
            f"sqlite+aiosqlite:///{Path(self.data_dir) / 'insights.db'}"
        )
