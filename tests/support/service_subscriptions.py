"""Prints, as JSON, the subjects each service's real app subscribes to: `build_app` with
its default settings and a data folder of its own, never started.

Run it in a process of its own (`python -m tests.support.service_subscriptions DIR`):
building an app sets up logging and tracing, instruments HTTP clients and opens the docs
index's folder. The gateway is not here: it has no subscriber of its own, and reads each
turn's events on a subscription it opens for that turn."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copilot_github.app import build_app as github_app
from copilot_github.config import GithubSettings
from copilot_insights.app import build_app as insights_app
from copilot_insights.config import InsightsSettings
from copilot_orchestrator.app import build_app as orchestrator_app
from copilot_orchestrator.config import OrchestratorSettings
from copilot_orders.app import build_app as orders_app
from copilot_orders.config import OrdersSettings
from copilot_rag.app import build_app as rag_app
from copilot_rag.config import RagSettings
from copilot_service_defaults.settings import ServiceSettings
from faststream.asgi import AsgiFastStream

APPS: dict[str, tuple[Callable[[Any], AsgiFastStream], type[ServiceSettings]]] = {
    "orchestrator": (orchestrator_app, OrchestratorSettings),
    "rag": (rag_app, RagSettings),
    "orders": (orders_app, OrdersSettings),
    "github": (github_app, GithubSettings),
    "insights": (insights_app, InsightsSettings),
}


def subscribed_subjects(data_dir: Path) -> dict[str, list[str]]:
    found = {}
    for service, (build_app, settings) in APPS.items():
        app = build_app(settings(_env_file=None, data_dir=str(data_dir / service)))
        assert app.broker is not None
        found[service] = sorted(sub.subject.template for sub in app.broker.subscribers)  # type: ignore[attr-defined]
    return found


if __name__ == "__main__":
    print(json.dumps(subscribed_subjects(Path(sys.argv[1]))))
