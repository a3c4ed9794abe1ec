"""Erasing a visitor's personal data: what staff ask of the services that hold it."""

from pydantic import Field, model_validator

from copilot_contracts.envelope import Message

Id = str


class PersonalDataErasureRequested(Message):
    """Erase what belongs to this visitor session and to these conversations."""

    session_id: str | None = Field(default=None, min_length=8, max_length=64)
    conversation_ids: list[Id] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _names_something(self) -> "PersonalDataErasureRequested":
        if self.session_id is None and not self.conversation_ids:
            raise ValueError("name a session or at least one conversation")
        return self


class OrdersPersonalDataErased(Message):
    """Orders whose customer name, email and note were erased (the order itself is kept:
    it is a business record); pending ones were cancelled."""

    orders: int


class InsightsPersonalDataErased(Message):
    """Rows of the insights erased: the visitor's turns, ratings, widget openings and
    answers to confirmations."""

    rows: int
