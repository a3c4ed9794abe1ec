"""The baseline: the same turn pipeline with no bus and no HTTP but the model's.

The orchestrator's TurnRunner, built as the orchestrator builds it (its settings, its
OpenAIChatModel from `build_model`, the output check, the metered budget, the prompts),
against the same scripted model server; its searchDocs calls go straight to the rag
service's own DocsSearch over the same Qdrant index and embedding model. Only what crosses
the bus is replaced: history and spend totals are kept in memory, events are timed where
they are emitted. The difference between this and the system is the bus and gateway cost."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench_system import EMBEDDING_CACHE
from copilot_contracts.chat import TurnEvent
from copilot_contracts.envelope import Message, new_id
from copilot_contracts.rag import RagReindexRequested
from copilot_contracts.tool_catalog import SEARCH_DOCS, ToolSpec
from copilot_contracts.tools import ToolError
from copilot_orchestrator.adapters.metered_budget import MeteredBudget
from copilot_orchestrator.app import build_model, model_client
from copilot_orchestrator.config import OrchestratorSettings
from copilot_orchestrator.domain.budget import DEFAULT_PRICES, Budget
from copilot_orchestrator.domain.conversation import ToolOutcome
from copilot_orchestrator.domain.output_guard import OutputGuard
from copilot_orchestrator.domain.prompts import PromptVariants, parse_split
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner
from copilot_rag.adapters.embedding_cache import CachedEmbedder
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.config import RagSettings
from copilot_rag.handlers import DocsSearch
from copilot_rag.reindexing import DEFAULT_SOURCE, IndexState, Reindexer, SourcePolicy
from copilot_service_defaults.telemetry import setup_tracing
from load import TurnTiming


class MemoryHistory:
    def __init__(self) -> None:
        self.conversations: dict[str, list[dict[str, str]]] = {}

    async def load(self, conversation_id: str, kept: bool) -> list[dict[str, str]]:
        return list(self.conversations.get(conversation_id, []))

    async def append(
        self,
        conversation_id: str,
        messages: list[dict[str, str]],
        kept: bool,
        session_id: str | None = None,
    ) -> None:
        self.conversations.setdefault(conversation_id, []).extend(messages)


class MemoryLedger:
    def __init__(self) -> None:
        self.totals: dict[str, int] = {}

    async def conversation_tokens(self, conversation_id: str) -> int:
        return self.totals.get(f"conversation.{conversation_id}", 0)

    async def day_spend_micro_usd(self, day: str) -> int:
        return self.totals.get(f"day.{day}", 0)

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> None:
        for key, amount in ((f"conversation.{conversation_id}", tokens), (f"day.{day}", micro_usd)):
            self.totals[key] = self.totals.get(key, 0) + amount


class DirectTools:
    """searchDocs answered by the rag service's DocsSearch in this process."""

    def __init__(self, search: DocsSearch) -> None:
        self.search = search

    async def call(self, spec: ToolSpec, request: Message) -> ToolOutcome:
        if spec.name != SEARCH_DOCS.name:
            error = ToolError(code="tool_unavailable", message=f"{spec.name} is not benchmarked")
            return ToolOutcome("", spec.name, error=error)
        reply = await self.search.answer(request.model_dump(mode="json"))
        if reply.error is not None:
            return ToolOutcome("", spec.name, error=reply.error)
        return ToolOutcome("", spec.name, result=reply.result)


class TimedEvents:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first_delta_s: float | None = None
        self.docs_turn = False
        self.outcome = "broken"

    async def emit(self, event: TurnEvent) -> None:
        if event.type == "delta" and self.first_delta_s is None:
            self.first_delta_s = time.perf_counter() - self.started
        elif event.type == "tool":
            self.docs_turn = True
        elif event.type == "done":
            self.outcome = "done"
        elif event.type == "error":
            self.outcome = getattr(event, "code", "error")


class InProcessTurns:
    def __init__(self, runner: TurnRunner) -> None:
        self.runner = runner
        self.session_id = new_id()

    async def ask(self, question: str) -> TurnTiming:
        events = TimedEvents()
        turn = TurnInput(new_id(), new_id(), question, self.session_id, consent=False)
        await self.runner.run(turn, events)
        total = time.perf_counter() - events.started
        return TurnTiming(question, total, events.first_delta_s, events.docs_turn, events.outcome)


@asynccontextmanager
async def prepared_docs_search(data_dir: Path) -> AsyncIterator[DocsSearch]:
    """The rag service's search over DATA_DIR's index, brought up to date as at its start."""
    settings = RagSettings(
        data_dir=str(data_dir), qdrant_url=None, embedding_cache_path=EMBEDDING_CACHE
    )
    client = open_client(None, None, settings.resolved_qdrant_path)
    embedder = CachedEmbedder(LocalEmbedder(), settings.resolved_embedding_cache_path)
    try:
        index = QdrantDocsIndex(client, settings.qdrant_collection, server=False)
        state = IndexState()
        policy = SourcePolicy(settings.docs_path, settings.allowed_roots, 5_000_000, False)
        reindexer = Reindexer(index, embedder, state, policy)
        await reindexer.prepare()

        async def no_events(event: Message) -> None:
            return None

        await reindexer.run(RagReindexRequested(source_name=DEFAULT_SOURCE), no_events)
        yield DocsSearch(index, embedder, state, settings.relevance_floor)
    finally:
        await client.close()  # Qdrant's local mode: one process at a time on a folder
        embedder.close()


@asynccontextmanager
async def in_process_turns(data_dir: Path, model_url: str) -> AsyncIterator[InProcessTurns]:
    settings = OrchestratorSettings(
        llm_provider="openai", openai_base_url=model_url, openai_api_key="bench"
    )
    tracing = setup_tracing("bench-in-process", None)  # spans made, as in the services
    client = model_client(settings, tracing)
    assert client is not None, "the bench's model is an OpenAI-compatible server"
    prompts = PromptVariants(parse_split(settings.prompt_variants))
    budget = Budget(
        MemoryLedger(),
        settings.model_price() or DEFAULT_PRICES["offline"],
        settings.conversation_token_budget,
        settings.daily_spend_cap_usd,
    )
    async with prepared_docs_search(data_dir) as search:
        runner = TurnRunner(
            model=build_model(settings, client),
            transport=DirectTools(search),
            history=MemoryHistory(),
            tools=settings.offered_tools(),
            max_tool_rounds=settings.max_tool_rounds,
            guard=OutputGuard(prompts.texts(), settings.secrets()),
            budget=MeteredBudget(budget),
            prompts=prompts,
        )
        try:
            yield InProcessTurns(runner)
        finally:
            await client.close()  # while its event loop still runs
            tracing.shutdown()
