from pathlib import Path
from typing import Annotated, Literal

from copilot_service_defaults.settings import ServiceSettings, require_secret
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from copilot_rag.domain.search import RelevanceFloor

BUNDLED_DOCS = Path(__file__).parent / "sample_docs"
CommaPaths = Annotated[list[Path], NoDecode]


class RagSettings(ServiceSettings):
    port: int = 8002
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_path: str | None = None
    qdrant_collection: str = "docs"
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    docs_path: Path = BUNDLED_DOCS
    max_document_bytes: int = Field(default=5_000_000, ge=1_000)
    ingest_roots: CommaPaths = []
    ingest_private_urls: bool = False
    embedding_provider: Literal["local", "openai"] = "local"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_embedding_model: str = "text-embedding-3-small"
    openai_embedding_dimensions: int | None = Field(default=None, ge=64, le=3072)
    # Measured on bench/rag/questions.yaml (see `make eval`): these refuse about a third of
    # the questions the docs cannot answer and few that they can.
    embedding_cache: bool = True
    embedding_cache_path: Path | None = None
    search_min_similarity: float = Field(default=0.36, ge=-1.0, le=1.0)
    search_min_keyword_coverage: float = Field(default=0.75, ge=0.0, le=1.0)
    search_refusal: bool = True
    search_workers: int = Field(default=8, ge=1, le=256)

    @model_validator(mode="after")
    def _check(self) -> "RagSettings":
        if self.embedding_provider == "openai":
            if not self.openai_api_key and not self.openai_base_url:
                raise ValueError(
                    "EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL)"
                )
            if not self.openai_base_url:
                require_secret("OPENAI_API_KEY", self.openai_api_key, production=self.production)
        return self

    @field_validator("ingest_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def allowed_roots(self) -> list[Path]:
        """Where re-index requests may read: DOCS_PATH, plus INGEST_ROOTS (default: the
        service's working folder, which for `make run` is the project)."""
        return [self.docs_path, *(self.ingest_roots or [Path.cwd()])]

    @property
    def relevance_floor(self) -> RelevanceFloor | None:
        if not self.search_refusal:
            return None
        return RelevanceFloor(self.search_min_similarity, self.search_min_keyword_coverage)

    @property
    def resolved_embedding_cache_path(self) -> Path:
        return self.embedding_cache_path or Path(self.data_dir) / "embedding-cache.sqlite"

    @property
    def resolved_qdrant_path(self) -> str:
        return self.qdrant_path or str(Path(self.data_dir) / "qdrant")
