"""The offline assistant: a deterministic planner that stands in for a language model.

It picks a tool from the visitor's message, fills the arguments it can extract, and composes
the answer from the tool results (for docs: the best sentences, with their citations)."""

import json
import re

from copilot_contracts.chat import Usage
from copilot_contracts.tool_catalog import CREATE_GITHUB_ISSUE, CREATE_ORDER, SEARCH_DOCS, ToolSpec
from copilot_contracts.tools import (
    CreateGithubIssueResult,
    CreateOrderResult,
    DocPassage,
    SearchDocsResult,
)

from copilot_orchestrator.domain import intents
from copilot_orchestrator.domain.conversation import ToolOutcome, TurnState
from copilot_orchestrator.domain.intents import Intent
from copilot_orchestrator.domain.model import ModelResponse, TextSink, ToolCall

LABEL = "Offline assistant (no language model is connected): "
HELP = (
    "I can answer questions from our docs (brewing, shipping, returns, subscriptions, "
    "wholesale), prepare an order for you to confirm, or pass a bug report or feedback to "
    "our web team. What would you like to do?"
)
ASK_FOR_ORDER_DETAILS = "To prepare your order I still need"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9]+")
_SKIP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "do",
        "does",
        "how",
        "what",
        "i",
        "my",
        "me",
        "to",
        "of",
        "for",
        "in",
        "on",
        "and",
        "or",
        "you",
    ]
)


class OfflinePlanner:
    name = "offline"

    async def respond(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        offered = {tool.name for tool in tools}
        if state.outcomes:
            text = LABEL + self._compose(state)
        else:
            call, text = self._plan(state, offered)
            if call is not None:
                return ModelResponse(tool_calls=[call], finish_reason="tool_calls")
            text = LABEL + text
        for piece in re.split(r"(?<=\s)", text):
            await on_text(piece)
        return ModelResponse(text=text, usage=Usage())

    def _plan(self, state: TurnState, offered: set[str]) -> tuple[ToolCall | None, str]:
        message = state.user_message
        intent = intents.classify(message)
        call_id = f"offline-{state.turn_id[:12]}-1"
        earlier = _unfinished_order(state)
        if earlier is not None and CREATE_ORDER.name in offered:
            # The visitor is answering our question about their order: read both messages.
            return self._plan_order(f"{earlier}\n{message}", call_id)
        if intent is Intent.GREETING:
            return None, HELP
        if intent in (Intent.BUG_REPORT, Intent.FEEDBACK) and CREATE_GITHUB_ISSUE.name in offered:
            args = {
                "title": intents.issue_title(message, intent),
                "body": message,
                "labels": ["bug", "website"] if intent is Intent.BUG_REPORT else ["feedback"],
            }
            return ToolCall(call_id, CREATE_GITHUB_ISSUE.name, json.dumps(args)), ""
        if intent is Intent.ORDER and CREATE_ORDER.name in offered:
            return self._plan_order(message, call_id)
        if SEARCH_DOCS.name in offered:
            return ToolCall(call_id, SEARCH_DOCS.name, json.dumps({"query": message})), ""
        return None, "Searching the docs is switched off right now. " + HELP

    @staticmethod
    def _plan_order(message: str, call_id: str) -> tuple[ToolCall | None, str]:
        guess = intents.extract_order(message)
        missing = [
            what
            for what, value in (
                ("the products and quantities", guess.items),
                ("your name (e.g. 'my name is Ada Lovelace')", guess.name),
                ("your email address", guess.email),
            )
            if not value
        ]
        if missing:
            needed = " and ".join(
                [", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing
            )
            return None, (
                f"{ASK_FOR_ORDER_DETAILS} {needed}. For example: 'Order 2 bags of House Blend, "
                "whole bean. My name is Ada Lovelace, ada@example.com'."
            )
        args = {
            "items": [
                {"product": i.product, "quantity": i.quantity, "grind": i.grind}
                for i in guess.items
            ],
            "customer": {"name": guess.name, "email": guess.email},
        }
        return ToolCall(call_id, CREATE_ORDER.name, json.dumps(args)), ""

    def _compose(self, state: TurnState) -> str:
        return "\n\n".join(self._describe(state, outcome) for outcome in state.outcomes)

    def _describe(self, state: TurnState, outcome: ToolOutcome) -> str:
        if outcome.error is not None:
            return f"I couldn't complete that ({outcome.error.code}): {outcome.error.message}"
        result = outcome.result
        if isinstance(result, SearchDocsResult):
            return self._quote(state, result.passages)
        if isinstance(result, CreateOrderResult):
            lines = "\n".join(
                f"- {line.quantity} × {line.name}"
                + (f" ({line.grind})" if line.grind else "")
                + f": {line.line_total} {result.currency}"
                for line in result.lines
            )
            return (
                f"I've prepared order {result.order_id}:\n{lines}\nTotal: {result.total} "
                f"{result.currency}.\nIt is not placed yet: please review it and press Confirm."
            )
        if isinstance(result, CreateGithubIssueResult):
            if result.status == "pending_confirmation":
                return (
                    f'I\'ve prepared a report for our web team: "{result.title}". It is not '
                    "sent yet: press Send report to pass it on, or Cancel."
                )
            if result.queued:
                return (
                    "Thank you! GitHub is unreachable at the moment, so your report is queued "
                    "and will be filed for our web team as soon as it is back."
                )
            if result.dry_run:
                return (
                    "Thank you! I've recorded your report for our web team (GitHub is not "
                    "connected here, so it was saved locally)."
                )
            return (
                f"Thank you! I've filed this for our web team as issue #{result.number}: "
                f"{result.url}"
            )
        return "Done."

    @staticmethod
    def _quote(state: TurnState, passages: list[DocPassage]) -> str:
        if not passages:
            return (
                "I couldn't find that in our docs. You can reach our support team through the "
                "contact page, or ask me in other words."
            )
        query = set(_WORD.findall(state.user_message.lower())) - _SKIP_WORDS
        # Passages were numbered when they were shown; find each one's citation number.
        numbers = {id(p): n for n, p in enumerate(state.passages, start=1)}
        parts = ["Here is what our docs say:"]
        for passage in passages[:3]:
            sentences = [s.strip() for s in _SENTENCE.split(passage.text) if len(s.strip()) > 20]
            ranked = sorted(
                range(len(sentences)),
                key=lambda i: -len(query & set(_WORD.findall(sentences[i].lower()))),
            )[:2]
            chosen = " ".join(sentences[i].lstrip("-* ") for i in sorted(ranked)).replace("**", "")
            number = numbers.get(id(passage))
            where = " › ".join([passage.title, *passage.heading_path])
            parts.append(f"- **{where}**: {chosen} [{number}]")
        return "\n".join(parts)


def _unfinished_order(state: TurnState) -> str | None:
    """What the visitor asked to order, if our last answer asked them for missing details."""
    history = state.messages[1:-1]  # without the system prompt and the message just sent
    if len(history) < 2 or history[-1].get("role") != "assistant":
        return None
    if ASK_FOR_ORDER_DETAILS not in str(history[-1].get("content") or ""):
        return None
    earlier = history[-2]
    return str(earlier.get("content") or "") if earlier.get("role") == "user" else None
