"""Bug reports and feedback after they are prepared: the visitor's decision, and lookups."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from copilot_contracts.envelope import Message, new_id, utc_now

ISSUE_ACTION_PATTERN = r"^GH-[0-9A-F]{12}$"


class IssueDecisionRequested(Message):
    """The visitor pressed Send or Cancel on a prepared report (sent by the gateway)."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    action_id: str = Field(pattern=ISSUE_ACTION_PATTERN)
    session_id: str = Field(min_length=8, max_length=64)
    decision: Literal["confirm", "cancel"]


class IssueQuery(Message):
    """Where the visitor's own report stands."""

    action_id: str = Field(pattern=ISSUE_ACTION_PATTERN)
    session_id: str = Field(min_length=8, max_length=64)
