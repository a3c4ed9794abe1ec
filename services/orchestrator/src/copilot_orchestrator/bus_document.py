"""The orchestrator's subscribers, for the bus's AsyncAPI document (`make docs`)."""

from copilot_service_defaults.asyncapi import documented_broker as broker_with
from faststream.nats import NatsBroker

from copilot_orchestrator.adapters.consented_history import ConsentedHistory
from copilot_orchestrator.adapters.nats_tools import NatsToolTransport
from copilot_orchestrator.config import OrchestratorSettings
from copilot_orchestrator.coordinator import TurnCoordinator
from copilot_orchestrator.domain.budget import DEFAULT_PRICES
from copilot_orchestrator.domain.planner import OfflinePlanner
from copilot_orchestrator.domain.turn import TurnRunner
from copilot_orchestrator.handlers import build_router

DESCRIPTION = (
    "Takes the visitors' chat turns and drives the model's tool-calling loop: docs search, "
    "orders and GitHub reports are tool calls on the bus; each turn's events stream back "
    "to the gateway."
)


def documented_broker() -> NatsBroker:
    """Its router as build_app includes it (with the default TURN_WORKERS), around a turn
    runner that never runs."""
    broker = broker_with("orchestrator")
    runner = TurnRunner(
        model=OfflinePlanner(),
        transport=NatsToolTransport(broker, 10.0, 30.0),
        history=ConsentedHistory(),
        tools=[],
        max_tool_rounds=1,
    )
    coordinator = TurnCoordinator(runner, broker, DEFAULT_PRICES["offline"])
    workers = OrchestratorSettings.model_fields["turn_workers"].default
    broker.include_router(build_router(coordinator, workers))
    return broker
