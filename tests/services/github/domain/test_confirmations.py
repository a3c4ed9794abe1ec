from datetime import UTC, datetime, timedelta

import pytest
from copilot_github.domain.confirmations import DecisionRefused, action_id_for, decide, prepare

from tests.services.github.adapters.test_github_tracker import issue_request

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SESSION = "s" * 32


def prepared(status: str = "pending_confirmation") -> object:
    report = prepare(
        issue_request("conv:call_1").model_copy(update={"session_id": SESSION}),
        NOW,
        timedelta(minutes=15),
    )
    report.status = status  # type: ignore[assignment]
    return report


def test_report_numbers_are_stable_per_call_and_move_on_when_taken() -> None:
    first = action_id_for("conv:call_1")
    assert first == action_id_for("conv:call_1") and len(first) == len("GH-") + 12
    assert action_id_for("conv:call_1", attempt=1) not in (first, action_id_for("conv:call_2"))


def test_confirm_starts_sending_and_cancel_cancels() -> None:
    assert decide(prepared(), SESSION, "confirm", NOW) == "sending"  # type: ignore[arg-type]
    assert decide(prepared(), SESSION, "cancel", NOW) == "cancelled"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "session", "at", "code"),
    [
        ("pending_confirmation", "x" * 32, NOW, "action_not_found"),
        ("sending", SESSION, NOW, "already_confirmed"),
        ("filed", SESSION, NOW, "already_confirmed"),
        ("cancelled", SESSION, NOW, "already_cancelled"),
        ("pending_confirmation", SESSION, NOW + timedelta(minutes=15), "action_expired"),
    ],
)
def test_decisions_that_cannot_be_made(status: str, session: str, at: datetime, code: str) -> None:
    with pytest.raises(DecisionRefused) as refused:
        decide(prepared(status), session, "confirm", at)  # type: ignore[arg-type]
    assert refused.value.code == code
