"""Settings every service reads, and the fail-fast rule for production secrets."""

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_MARKER = "dev-only"  # nosec B105 # marks defaults production refuses


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )

    app_env: Literal["development", "production"] = "development"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    otel_exporter_otlp_endpoint: str | None = None
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    data_dir: str = ".data"

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @model_validator(mode="after")
    def _require_nats_password(self) -> Self:
        if self.nats_user:
            password = self.nats_password.get_secret_value() if self.nats_password else None
            require_secret("NATS_PASSWORD", password, production=self.production)
        return self


def require_secret(name: str, value: str | None, *, production: bool) -> None:
    """In production, refuse to start with a missing or development secret."""
    if not production:
        return
    placeholder = value is not None and value.strip().startswith("<")  # "<required>"
    if not value or DEVELOPMENT_SECRET_MARKER in value or placeholder:
        raise SystemExit(
            f"{name} must be set to a real secret when APP_ENV=production "
            "(it is missing or still the development default)."
        )
