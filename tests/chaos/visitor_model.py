"""The model behind the chaos run: a scripted OpenAI-compatible server that answers as a
model would, at a model's pace, so crashes land in the middle of turns. It calls the tool
the visitor's message asks for, then streams an answer about what the tool returned."""

import re
from typing import Any

from tests.support.scripted_llm import Reply, ToolCall

# About a second to the first token and a second of streaming per answer: a turn takes
# a few seconds, as with a hosted model.
PACE: dict[str, Any] = {"ttft_s": 0.5, "tokens_per_s": 25.0}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ANSWERS = {
    "searchDocs": (
        "Here is what our guides say about that. Keep whole beans in an airtight, opaque "
        "container at room temperature, away from heat, light and moisture, and grind just "
        "before brewing for the best flavour; the page I used explains the details [1]."
    ),
    "createOrder": (
        "I have prepared your order of one bag of House Blend, whole bean. Please check the "
        "summary and press Confirm to place it; nothing is charged or shipped before that."
    ),
    "createGithubIssue": (
        "Thank you for telling us. I have written up the problem for our web team; press "
        "Send report to file it, or Cancel if you would rather not send it."
    ),
}
FAILED = "I could not finish that just now: the service did not answer. Please try again."


def _tool_call(message: str) -> ToolCall:
    if message.startswith("Order"):
        email = EMAIL.search(message)
        customer = {"name": "Ada Lovelace", "email": email.group(0) if email else "a@example.com"}
        item = {"product": "House Blend", "quantity": 1, "grind": "whole bean"}
        return ToolCall("createOrder", {"items": [item], "customer": customer})
    if "broken" in message:
        title = "The checkout page is broken"
        return ToolCall("createGithubIssue", {"title": title, "body": message, "labels": ["bug"]})
    return ToolCall("searchDocs", {"query": message})


def visitor_model(body: dict[str, Any]) -> Reply:
    """A tool call for the visitor's message; once the tool answered, the answer."""
    messages = body["messages"]
    last = messages[-1]
    if last["role"] != "tool":
        return Reply.tools(_tool_call(str(last["content"])), **PACE)
    called = next(m for m in reversed(messages) if m["role"] == "assistant" and m.get("tool_calls"))
    tool = called["tool_calls"][0]["function"]["name"]
    failed = str(last["content"]).startswith('{"error"')
    return Reply.say(FAILED if failed else ANSWERS[tool], **PACE)
