"""The documented configuration is the real one: .env.example loads in every service."""

from pathlib import Path

import pytest
from copilot_gateway.config import GatewaySettings
from copilot_github.config import GithubSettings
from copilot_insights.config import InsightsSettings
from copilot_orchestrator.config import OrchestratorSettings
from copilot_orders.config import OrdersSettings
from copilot_rag.config import BUNDLED_DOCS, RagSettings
from copilot_service_defaults.settings import ServiceSettings

ENV_EXAMPLE = Path(__file__).parents[3] / ".env.example"
SETTINGS = [
    GatewaySettings,
    OrchestratorSettings,
    RagSettings,
    OrdersSettings,
    GithubSettings,
    InsightsSettings,
]


@pytest.mark.parametrize("settings_type", SETTINGS)
def test_env_example_loads(settings_type: type[ServiceSettings]) -> None:
    settings = settings_type(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    assert settings.app_env == "development"


def test_blank_values_mean_defaults() -> None:
    rag = RagSettings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    assert rag.docs_path == BUNDLED_DOCS and rag.qdrant_url is None
    orchestrator = OrchestratorSettings(_env_file=ENV_EXAMPLE, openai_api_key=None)  # type: ignore[call-arg]
    assert orchestrator.llm_provider == "offline"


def test_every_setting_is_documented() -> None:
    documented = {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    fields = {
        (field.validation_alias if isinstance(field.validation_alias, str) else name).upper()
        for cls in SETTINGS
        for name, field in cls.model_fields.items()
    }
    assert fields - {"HOST", "PORT"} <= documented, fields - documented


def test_production_refuses_the_development_session_secret() -> None:
    with pytest.raises(SystemExit, match="SESSION_SECRET"):
        GatewaySettings(_env_file=None, app_env="production")  # type: ignore[call-arg]


def test_production_refuses_a_placeholder_left_in_the_secrets_file() -> None:
    with pytest.raises(SystemExit, match="SESSION_SECRET"):
        GatewaySettings(  # type: ignore[call-arg]
            _env_file=None, app_env="production", session_secret="<required>" + "x" * 32
        )
