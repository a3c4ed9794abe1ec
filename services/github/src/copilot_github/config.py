from pathlib import Path

from copilot_service_defaults.settings import ServiceSettings, require_secret
from pydantic import Field, model_validator


class GithubSettings(ServiceSettings):
    port: int = 8004
    github_token: str | None = None
    github_repo: str | None = None
    github_api_url: str = "https://api.github.com"
    github_dry_run_path: Path | None = None
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    issue_confirmation_ttl_s: int = Field(default=900, ge=60, le=86_400)

    @model_validator(mode="after")
    def _require_repo_with_token(self) -> "GithubSettings":
        if self.github_token and not self.github_repo:
            raise ValueError("GITHUB_REPO (owner/name) is required when GITHUB_TOKEN is set")
        require_secret("GITHUB_TOKEN", self.github_token, production=self.production)
        return self

    @property
    def dry_run(self) -> bool:
        return not self.github_token

    @property
    def resolved_dry_run_path(self) -> Path:
        return self.github_dry_run_path or Path(self.data_dir) / "github-dry-run.jsonl"
