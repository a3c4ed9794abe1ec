"""The orchestrator: drives the tool-calling loop for each chat turn."""

import logging

import openai
from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS, CHAT_TURNS, INSIGHTS
from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.consumers import watch_consumers
from copilot_service_defaults.health import health_routes
from copilot_service_defaults.jetstream import ensure_key_value, ensure_stream
from faststream.asgi import AsgiFastStream
from opentelemetry.trace import TracerProvider

from copilot_orchestrator.adapters.consented_history import ConsentedHistory
from copilot_orchestrator.adapters.kv_history import KvHistory
from copilot_orchestrator.adapters.kv_spend_ledger import KvSpendLedger
from copilot_orchestrator.adapters.metered_budget import MeteredBudget
from copilot_orchestrator.adapters.nats_tools import NatsToolTransport
from copilot_orchestrator.adapters.openai_client import openai_client
from copilot_orchestrator.adapters.openai_model import OpenAIChatModel
from copilot_orchestrator.adapters.resilient_model import ResilientModel
from copilot_orchestrator.adapters.turn_consumer import keep_turns_in_flight
from copilot_orchestrator.config import OrchestratorSettings
from copilot_orchestrator.coordinator import TurnCoordinator
from copilot_orchestrator.domain.budget import DEFAULT_PRICES, Budget
from copilot_orchestrator.domain.circuit_breaker import CircuitBreaker
from copilot_orchestrator.domain.model import ChatModel
from copilot_orchestrator.domain.output_guard import OutputGuard
from copilot_orchestrator.domain.planner import OfflinePlanner
from copilot_orchestrator.domain.prompts import PromptVariants, parse_split
from copilot_orchestrator.domain.turn import TurnRunner
from copilot_orchestrator.handlers import CONSUMERS, DURABLE, build_router, turns_in_flight

log = logging.getLogger(__name__)
# A conversation's token total lives as long as the conversation (a day); a day's spend, a day.
SPEND_KEEP_S = 2 * 86_400


def model_client(
    settings: OrchestratorSettings, tracing: TracerProvider | None = None
) -> openai.AsyncOpenAI | None:
    """The HTTP client of an OpenAI-compatible provider; none for the offline planner."""
    if settings.llm_provider == "offline":
        return None
    return openai_client(
        settings.openai_base_url,
        settings.openai_api_key or "not-needed",
        settings.llm_timeout_s,
        tracing,
    )


def build_model(settings: OrchestratorSettings, client: openai.AsyncOpenAI | None) -> ChatModel:
    if client is None:
        return OfflinePlanner()
    model = OpenAIChatModel(
        client,
        settings.openai_model,
        capture_content=settings.genai_capture_content,
        max_output_tokens=settings.llm_max_output_tokens,
    )
    breaker = CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_s)
    return ResilientModel(model, breaker, settings.llm_max_retries)


def build_app(settings: OrchestratorSettings) -> AsgiFastStream:
    broker, tracing = service_broker("orchestrator", settings)
    client = model_client(settings, tracing)
    history = ConsentedHistory()
    prompts = PromptVariants(parse_split(settings.prompt_variants))
    ledger = KvSpendLedger()
    price = settings.model_price()
    if price is None:
        log.warning("no price for %s in LLM_PRICES: spend is counted as 0", settings.openai_model)
    budget = Budget(
        ledger,
        price or DEFAULT_PRICES["offline"],
        settings.conversation_token_budget,
        settings.daily_spend_cap_usd,
    )
    runner = TurnRunner(
        model=build_model(settings, client),
        transport=NatsToolTransport(broker, settings.tool_timeout_s, settings.action_timeout_s),
        history=history,
        tools=settings.offered_tools(),
        max_tool_rounds=settings.max_tool_rounds,
        guard=OutputGuard(prompts.texts(), settings.secrets()),
        budget=MeteredBudget(budget),
        prompts=prompts,
        max_answer_chars=settings.max_answer_chars,
    )
    coordinator = TurnCoordinator(runner, broker, budget.price)
    broker.include_router(build_router(coordinator, settings.turn_workers))

    async def prepare_bus() -> None:
        await broker.connect()
        js, replicas = broker.connection.jetstream(), settings.nats_stream_replicas
        for stream in (CHAT_TURNS, ACTIONS, INSIGHTS):
            await ensure_stream(js, stream, replicas)
        await keep_turns_in_flight(js, DURABLE, turns_in_flight(settings.turn_workers))
        retention_s = settings.transcript_retention_days * 86_400
        history.transcripts = KvHistory(
            await ensure_key_value(js, subjects.HISTORY_BUCKET, retention_s, replicas),
            settings.history_max_messages,
        )
        history.working = KvHistory(
            await ensure_key_value(
                js, subjects.WORKING_HISTORY_BUCKET, settings.working_history_ttl_s, replicas
            ),
            settings.history_max_messages,
        )
        ledger.attach(await ensure_key_value(js, subjects.SPEND_BUCKET, SPEND_KEEP_S, replicas))
        consumers = [(stream, durable) for stream, _, durable in CONSUMERS]
        await watch_consumers(broker.connection, consumers, settings.nats_stream_replicas)
        log.info("orchestrator ready with %s", runner.model.name)

    return AsgiFastStream(
        broker,
        logger=app_logger("orchestrator"),
        asgi_routes=health_routes(broker),
        on_startup=[prepare_bus],
        after_shutdown=[client.close] if client is not None else [],
    )
