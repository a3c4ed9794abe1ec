from decimal import Decimal
from typing import Literal

from copilot_contracts.tool_catalog import (
    CREATE_GITHUB_ISSUE,
    CREATE_ORDER,
    SEARCH_DOCS,
    ToolSpec,
)
from copilot_service_defaults.settings import ServiceSettings, require_secret
from pydantic import Field, field_validator, model_validator

from copilot_orchestrator.domain.budget import DEFAULT_PRICES, ModelPrice
from copilot_orchestrator.domain.prompts import parse_split


class OrchestratorSettings(ServiceSettings):
    port: int = 8001
    llm_provider: Literal["openai", "offline"] | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_breaker_failures: int = Field(default=5, ge=1, le=1000)
    """Transient model failures in a row that open the circuit breaker."""
    llm_breaker_cooldown_s: float = Field(default=30.0, gt=0)
    """How long an open breaker refuses calls before it lets one probe through."""
    llm_max_output_tokens: int = Field(default=2_000, ge=16)
    """The most the provider may write in one call (max_completion_tokens)."""
    max_answer_chars: int = Field(default=8_000, ge=100)
    """A turn's answer is cut short, with a note, after this many characters."""
    max_tool_rounds: int = Field(default=5, ge=1, le=20)
    tool_timeout_s: float = Field(default=10.0, gt=0)
    # Orders and issues: long enough for a redelivery after a tool service restarts.
    action_timeout_s: float = Field(default=30.0, gt=0)
    turn_workers: int = Field(default=128, ge=1, le=1000)
    history_max_messages: int = Field(default=20, ge=2, le=200)
    transcript_retention_days: int = Field(default=30, ge=1, le=3650)
    working_history_ttl_s: int = Field(default=3_600, ge=60)
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    conversation_token_budget: int = Field(default=60_000, ge=1_000)
    daily_spend_cap_usd: Decimal | None = Field(default=Decimal("50"), ge=0)
    llm_prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    prompt_variants: str = "default"
    """Which system prompts (prompts/<name>.md) conversations get, and in what shares."""
    genai_capture_content: bool = Field(
        default=False, validation_alias="OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
    )
    enable_rag: bool = True
    enable_order_tool: bool = True
    enable_github_tool: bool = True

    @field_validator("prompt_variants")
    @classmethod
    def _known_prompts(cls, value: str) -> str:
        parse_split(value)  # fails fast on an unknown variant or a bad weight
        return value

    @field_validator("daily_spend_cap_usd", mode="before")
    @classmethod
    def _no_cap(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() == "off" else value

    @model_validator(mode="after")
    def _choose_provider(self) -> "OrchestratorSettings":
        if self.llm_provider is None:
            self.llm_provider = "openai" if self.openai_api_key else "offline"
        if self.llm_provider == "openai":
            if not self.openai_api_key and not self.openai_base_url:
                raise ValueError("LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL)")
            if not self.openai_base_url:
                require_secret("OPENAI_API_KEY", self.openai_api_key, production=self.production)
            if self.production and self.openai_model not in self.llm_prices:
                raise ValueError(
                    f"LLM_PRICES has no price for OPENAI_MODEL={self.openai_model}: the daily "
                    "spend cap could not be kept"
                )
        return self

    def model_price(self) -> ModelPrice | None:
        """The price of the model in use; None when the table does not know it."""
        if self.llm_provider == "offline":
            return DEFAULT_PRICES["offline"]
        return self.llm_prices.get(self.openai_model)

    def secrets(self) -> list[str]:
        """Values that must never appear in an answer or a tool call."""
        return [value for value in (self.openai_api_key,) if value]

    def offered_tools(self) -> list[ToolSpec]:
        flags = (
            (SEARCH_DOCS, self.enable_rag),
            (CREATE_ORDER, self.enable_order_tool),
            (CREATE_GITHUB_ISSUE, self.enable_github_tool),
        )
        return [tool for tool, enabled in flags if enabled]
