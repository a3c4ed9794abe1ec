from pathlib import Path

from copilot_service_defaults.settings import ServiceSettings

BUNDLED_DOCS = Path(__file__).parent / "sample_docs"


class RagSettings(ServiceSettings):
    port: int = 8002
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_path: str | None = None
    qdrant_collection: str = "docs"
    docs_path: Path = BUNDLED_DOCS

    @property
    def resolved_qdrant_path(self) -> str:
        return self.qdrant_path or str(Path(self.data_dir) / "qdrant")
