from typing import Annotated

from copilot_service_defaults.settings import (
    DEVELOPMENT_SECRET_MARKER,
    ServiceSettings,
    require_secret,
)
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class GatewaySettings(ServiceSettings):
    port: int = 8000
    session_secret: str = f"{DEVELOPMENT_SECRET_MARKER}-session-secret-change-me"
    session_ttl_s: int = Field(default=1800, ge=60, le=86_400)
    site_keys: CommaList = ["demo-site-key"]
    allowed_origins: CommaList = ["http://localhost:8000", "http://127.0.0.1:8000"]
    turn_timeout_s: float = Field(default=60.0, gt=0, le=600)
    action_timeout_s: float = Field(default=30.0, gt=0, le=120)
    conversation_ttl_s: int = Field(default=86_400, ge=60)
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)

    @field_validator("site_keys", "allowed_origins", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @model_validator(mode="after")
    def _check_secrets(self) -> "GatewaySettings":
        require_secret("SESSION_SECRET", self.session_secret, production=self.production)
        if len(self.session_secret) < 32:
            raise ValueError("SESSION_SECRET must be at least 32 characters long")
        if "*" in self.allowed_origins:
            raise ValueError("ALLOWED_ORIGINS must list origins; '*' is not allowed")
        return self
