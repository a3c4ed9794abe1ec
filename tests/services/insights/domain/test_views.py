"""The report staff read: clear answers for an empty period or an unknown variant, and
variant comparisons that decide only on enough conversations."""

from datetime import UTC, datetime, timedelta

from copilot_contracts.insights import ToolUse, TurnAnswered
from copilot_insights.domain.report import Activity, Rating
from copilot_insights.domain.views import MIN_SAMPLE, build_report

from tests.services.insights.domain.test_report import ACTIVITY

UNTIL = datetime(2026, 11, 27, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=7)


def test_an_empty_period_says_so() -> None:
    report = build_report(Activity(turns=[]), SINCE, UNTIL)
    assert report.overall.conversations == 0 and report.note
    assert "No conversation" in report.note


def test_an_unknown_variant_is_a_clear_answer() -> None:
    report = build_report(ACTIVITY, SINCE, UNTIL, variant="C")
    assert report.overall.conversations == 0 and report.variants == {}
    assert report.note == "No conversation used the variant 'C' in this period."


def test_small_samples_are_compared_but_not_decided() -> None:
    report = build_report(ACTIVITY, SINCE, UNTIL)
    assert set(report.variants) == {"A", "B"}
    assert {c.figure for c in report.comparisons} == {
        "satisfaction",
        "order_conversion",
        "deflection",
    }
    assert not any(c.decided for c in report.comparisons)
    assert all("Too few conversations" in c.verdict for c in report.comparisons)
    assert report.overall.satisfaction.rate == 0.5
    assert report.overall.satisfaction.low is not None


def rated(variant: str, n: int, up: bool) -> tuple[TurnAnswered, Rating]:
    conversation = f"{variant}{n}"
    turn = TurnAnswered(
        conversation_id=conversation,
        turn_id=f"t-{conversation}",
        variant=variant,
        outcome="answered",
        citations=1,
        tools=[ToolUse(tool="searchDocs", ok=True)],
        response_ms=500,
    )
    return turn, Rating(conversation, turn.turn_id, up=up)


def test_a_clear_difference_on_enough_conversations_is_decided() -> None:
    pairs = [rated("A", n, up=n % 2 == 0) for n in range(2 * MIN_SAMPLE)]  # 50 % up
    pairs += [rated("B", n, up=n % 10 != 0) for n in range(2 * MIN_SAMPLE)]  # 90 % up
    activity = Activity(turns=[t for t, _ in pairs], ratings=[r for _, r in pairs])
    [satisfaction] = [
        c for c in build_report(activity, SINCE, UNTIL).comparisons if c.figure == "satisfaction"
    ]
    assert satisfaction.decided and 0 < satisfaction.low < satisfaction.delta
    assert satisfaction.verdict == "B's satisfaction is higher than A's by 40.0 points."
