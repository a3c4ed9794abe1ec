"""Which tools exist: name, argument schema, subject, request and result types."""

from dataclasses import dataclass
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.envelope import Message
from copilot_contracts.tools import (
    CreateGithubIssueArgs,
    CreateGithubIssueRequest,
    CreateGithubIssueResult,
    CreateOrderArgs,
    CreateOrderRequest,
    CreateOrderResult,
    SearchDocsArgs,
    SearchDocsRequest,
    SearchDocsResult,
    ToolArguments,
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    args_model: type[ToolArguments]
    request_model: type[Message]
    result_model: type[Message]
    subject: str
    changes_state: bool

    @property
    def description(self) -> str:
        return " ".join((self.args_model.__doc__ or self.name).split())

    def openai_schema(self) -> dict[str, Any]:
        """The function-tool definition for the chat completions API."""
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": schema},
        }


SEARCH_DOCS = ToolSpec(
    "searchDocs",
    SearchDocsArgs,
    SearchDocsRequest,
    SearchDocsResult,
    subjects.TOOL_RAG_SEARCH,
    changes_state=False,
)
CREATE_ORDER = ToolSpec(
    "createOrder",
    CreateOrderArgs,
    CreateOrderRequest,
    CreateOrderResult,
    subjects.TOOL_ORDERS_CREATE,
    changes_state=True,
)
CREATE_GITHUB_ISSUE = ToolSpec(
    "createGithubIssue",
    CreateGithubIssueArgs,
    CreateGithubIssueRequest,
    CreateGithubIssueResult,
    subjects.TOOL_GITHUB_ISSUE_CREATE,
    changes_state=True,
)

ALL_TOOLS: tuple[ToolSpec, ...] = (SEARCH_DOCS, CREATE_ORDER, CREATE_GITHUB_ISSUE)
TOOLS_BY_NAME = {tool.name: tool for tool in ALL_TOOLS}
