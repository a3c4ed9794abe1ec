"""In-memory stand-ins for the loop's ports, for domain tests without a broker."""

from copilot_contracts.chat import TurnEvent
from copilot_contracts.envelope import Message
from copilot_contracts.tool_catalog import ToolSpec
from copilot_contracts.tools import ToolError
from copilot_orchestrator.domain.conversation import ToolOutcome


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[TurnEvent] = []

    async def emit(self, event: TurnEvent) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def text(self) -> str:
        return "".join(e.text for e in self.events if e.type == "delta")


class MemoryHistory:
    def __init__(self) -> None:
        self.by_conversation: dict[str, list[dict[str, str]]] = {}
        self.kept: set[str] = set()

    async def load(self, conversation_id: str, kept: bool) -> list[dict[str, str]]:
        return list(self.by_conversation.get(conversation_id, []))

    async def append(
        self,
        conversation_id: str,
        messages: list[dict[str, str]],
        kept: bool,
        session_id: str | None = None,
    ) -> None:
        self.by_conversation.setdefault(conversation_id, []).extend(messages)
        if kept:
            self.kept.add(conversation_id)


class ScriptedTransport:
    """Answers each tool with a fixed result (or error) and records the requests."""

    def __init__(self, results: dict[str, Message | ToolError]) -> None:
        self.results = results
        self.requests: list[tuple[str, Message]] = []

    async def call(self, spec: ToolSpec, request: Message) -> ToolOutcome:
        self.requests.append((spec.name, request))
        result = self.results[spec.name]
        if isinstance(result, ToolError):
            return ToolOutcome("", spec.name, error=result)
        return ToolOutcome("", spec.name, result=result)
