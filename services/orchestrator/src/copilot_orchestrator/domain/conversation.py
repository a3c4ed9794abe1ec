"""The state of one turn: the messages the model sees and the tool outcomes behind them."""

import re
from dataclasses import dataclass, field
from typing import Any

from copilot_contracts.envelope import Message
from copilot_contracts.tools import DocPassage, ToolError

_MARKER = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class ToolOutcome:
    call_id: str
    tool: str
    result: Message | None = None
    error: ToolError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class TurnState:
    conversation_id: str
    turn_id: str
    user_message: str
    messages: list[dict[str, Any]]
    outcomes: list[ToolOutcome] = field(default_factory=list)
    passages: list[DocPassage] = field(default_factory=list)
    session_id: str | None = None
    state_changes: set[str] = field(default_factory=set)
    """Names of the state-changing tools already called in this turn."""
    deadline: float | None = None
    """When the turn must have ended, on the clock the coordinator gives (monotonic)."""

    def number_passages(self, passages: list[DocPassage]) -> list[tuple[int, DocPassage]]:
        """Give passages citation numbers that stay unique across the whole turn."""
        numbered = []
        for passage in passages:
            self.passages.append(passage)
            numbered.append((len(self.passages), passage))
        return numbered

    def cited(self, answer: str) -> list[DocPassage]:
        """Passages the answer cites as [n], in order of first mention, once per page."""
        seen: set[str] = set()
        cited = []
        for match in _MARKER.finditer(answer):
            number = int(match.group(1))
            if 1 <= number <= len(self.passages):
                passage = self.passages[number - 1]
                if passage.url not in seen:
                    seen.add(passage.url)
                    cited.append(passage)
        return cited
