"""Tool arguments (the schemas offered to the model), tool requests and their results."""

from datetime import datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from copilot_contracts.envelope import Envelope, Message, StateChangingEnvelope


class ToolArguments(BaseModel):
    """Arguments the model fills in. Strict: an unknown field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchDocsArgs(ToolArguments):
    """Search the company's documentation (menu, brewing guides, shipping, returns,
    subscriptions, wholesale, FAQ) and return the most relevant passages with citation ids."""

    query: str = Field(min_length=1, max_length=500, description="What to look for.")
    top_k: int = Field(default=4, ge=1, le=10, description="How many passages to return.")
    category: str | None = Field(
        default=None, max_length=40, description="Only pages of this category, e.g. 'shipping'."
    )


class OrderItemArgs(ToolArguments):
    product: str = Field(
        min_length=1, max_length=80, description="Product SKU (e.g. EO-HB-250) or exact name."
    )
    quantity: int = Field(ge=1, le=50)
    grind: str | None = Field(default=None, max_length=40, description="Grind, for coffees.")


class CustomerContact(ToolArguments):
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(
        max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email address."
    )


class CreateOrderArgs(ToolArguments):
    """Prepare an order of catalog products for the visitor. The order is only placed once
    the visitor confirms it in the chat; prices are computed by the shop, not given here."""

    items: list[OrderItemArgs] = Field(min_length=1, max_length=20)
    customer: CustomerContact
    note: str | None = Field(default=None, max_length=500)


IssueLabel = Literal["bug", "feedback", "question", "website"]


class CreateGithubIssueArgs(ToolArguments):
    """File a bug report or feedback for the web team as a GitHub issue. Use only when the
    visitor reports a problem with the website or shop or explicitly wants to give feedback."""

    title: str = Field(min_length=5, max_length=120)
    body: str = Field(min_length=1, max_length=5000)
    labels: list[IssueLabel] = Field(default_factory=list, max_length=4)


class SearchDocsRequest(Envelope):
    args: SearchDocsArgs


class CreateOrderRequest(StateChangingEnvelope):
    args: CreateOrderArgs
    session_id: str | None = Field(
        default=None, description="The visitor session that alone may confirm the order."
    )


class CreateGithubIssueRequest(StateChangingEnvelope):
    args: CreateGithubIssueArgs
    session_id: str | None = Field(
        default=None, description="The visitor session that alone may send the report."
    )


class DocPassage(Message):
    doc_id: str
    title: str
    url: str
    heading_path: list[str] = Field(default_factory=list)
    text: str
    score: float


class SearchDocsResult(Message):
    passages: list[DocPassage]


class OrderLine(Message):
    sku: str
    name: str
    quantity: int
    grind: str | None = None
    unit_price: Decimal
    line_total: Decimal


class CreateOrderResult(Message):
    order_id: str
    status: Literal["pending_confirmation", "confirmed", "fulfilled", "cancelled", "expired"]
    lines: list[OrderLine]
    total: Decimal
    currency: str
    expires_at: datetime


IssueStatus = Literal["pending_confirmation", "sending", "filed", "cancelled", "expired"]


class CreateGithubIssueResult(Message):
    title: str
    dry_run: bool
    number: int | None = None
    url: str | None = None
    queued: bool = Field(
        default=False, description="GitHub is unreachable: the issue will be filed later."
    )
    status: IssueStatus = Field(
        default="filed", description="A report is filed only once the visitor sends it."
    )
    action_id: str | None = Field(default=None, description="What the visitor confirms.")
    expires_at: datetime | None = None


class ToolError(Message):
    code: str
    message: str


ResultT = TypeVar("ResultT", bound=Message)


class ToolReply(Message, Generic[ResultT]):
    """What a tool service answers: a result, or an error the model can act on."""

    result: ResultT | None = None
    error: ToolError | None = None

    @classmethod
    def ok(cls, result: ResultT) -> "ToolReply[ResultT]":
        return cls(result=result)

    @classmethod
    def failed(cls, code: str, message: str) -> "ToolReply[ResultT]":
        return cls(error=ToolError(code=code, message=message))
