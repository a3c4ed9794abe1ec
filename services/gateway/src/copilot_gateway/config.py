from typing import Annotated

from copilot_service_defaults.settings import (
    DEVELOPMENT_SECRET_MARKER,
    ServiceSettings,
    require_secret,
)
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from copilot_gateway.domain.rate_limits import RateRule


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]
Rate = Annotated[RateRule, NoDecode]


class GatewaySettings(ServiceSettings):
    port: int = 8000
    session_secret: str = f"{DEVELOPMENT_SECRET_MARKER}-session-secret-change-me"
    session_ttl_s: int = Field(default=1800, ge=60, le=86_400)
    site_keys: CommaList = ["demo-site-key"]
    """Each entry `key` (usable from every allowed origin) or `key=origin|origin`."""
    allowed_origins: CommaList = ["http://localhost:8000", "http://127.0.0.1:8000"]
    identity_secret: str | None = None
    staff_api_keys: CommaList = []
    """Keys that open the staff endpoints (the insights report); each 32 characters or more."""
    identity_max_age_s: int = Field(default=600, ge=30, le=86_400)
    turn_timeout_s: float = Field(default=60.0, gt=0, le=600)
    action_timeout_s: float = Field(default=30.0, gt=0, le=120)
    conversation_ttl_s: int = Field(default=86_400, ge=60)
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    max_body_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    chat_rate_limit: Rate = RateRule(100, 900)
    chat_rate_limit_per_ip: Rate = RateRule(300, 900)
    chat_rate_limit_per_site: Rate = RateRule(20_000, 900)
    api_rate_limit: Rate = RateRule(300, 900)
    session_rate_limit_per_ip: Rate = RateRule(60, 900)

    @field_validator("site_keys", "allowed_origins", "staff_api_keys", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @field_validator(
        "chat_rate_limit",
        "chat_rate_limit_per_ip",
        "chat_rate_limit_per_site",
        "api_rate_limit",
        "session_rate_limit_per_ip",
        mode="before",
    )
    @classmethod
    def _parse_rate(cls, value: object) -> object:
        return RateRule.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_secrets(self) -> "GatewaySettings":
        require_secret("SESSION_SECRET", self.session_secret, production=self.production)
        if len(self.session_secret) < 32:
            raise ValueError("SESSION_SECRET must be at least 32 characters long")
        if self.identity_secret is not None and len(self.identity_secret) < 32:
            raise ValueError("IDENTITY_SECRET must be at least 32 characters long")
        if any(len(key) < 32 for key in self.staff_api_keys):
            raise ValueError("each of STAFF_API_KEYS must be at least 32 characters long")
        if "*" in self.allowed_origins:
            raise ValueError("ALLOWED_ORIGINS must list origins; '*' is not allowed")
        longest = max(r.window_s for r in self.rate_rules)
        if longest > 86_400:
            raise ValueError("rate-limit windows may be at most a day (24h)")
        self.site_origins()
        return self

    @property
    def rate_rules(self) -> list[RateRule]:
        return [
            self.chat_rate_limit,
            self.chat_rate_limit_per_ip,
            self.chat_rate_limit_per_site,
            self.api_rate_limit,
            self.session_rate_limit_per_ip,
        ]

    def site_origins(self) -> dict[str, frozenset[str]]:
        """Each site key and the origins it may be used from (all allowed ones by default)."""
        bound: dict[str, frozenset[str]] = {}
        for entry in self.site_keys:
            key, _, origins = entry.partition("=")
            listed = frozenset(o.strip() for o in origins.split("|") if o.strip())
            unknown = listed - set(self.allowed_origins)
            if unknown:
                raise ValueError(
                    f"SITE_KEYS: {key.strip()} names origins not in ALLOWED_ORIGINS: "
                    + ", ".join(sorted(unknown))
                )
            bound[key.strip()] = listed or frozenset(self.allowed_origins)
        return bound
