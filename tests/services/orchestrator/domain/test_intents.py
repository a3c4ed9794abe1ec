import pytest
from copilot_orchestrator.domain.intents import Intent, classify, extract_order, issue_title


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("How should I store my coffee beans?", Intent.QUESTION),
        ("Can I cancel my order?", Intent.QUESTION),
        ("I'd like to order 2 bags of House Blend", Intent.ORDER),
        ("Please send me one EO-HB-250", Intent.ORDER),
        ("The checkout page is broken", Intent.BUG_REPORT),
        ("Your site doesn't load on my phone", Intent.BUG_REPORT),
        ("Some feedback: the menu page could show roast dates", Intent.FEEDBACK),
        ("hello!", Intent.GREETING),
    ],
)
def test_classify(message: str, intent: Intent) -> None:
    assert classify(message) is intent


def test_extracts_items_grind_and_contact() -> None:
    guess = extract_order(
        "I'd like to order 2 bags of House Blend, whole bean. My name is Ada Lovelace, "
        "ada@example.com"
    )
    assert [(i.product, i.quantity, i.grind) for i in guess.items] == [
        ("House Blend", 2, "whole bean")
    ]
    assert (guess.name, guess.email) == ("Ada Lovelace", "ada@example.com")


def test_extracts_skus_with_quantities() -> None:
    guess = extract_order("Order 2 x EO-ESP-1K and EO-HB-250 please")
    assert [(i.product, i.quantity) for i in guess.items] == [("EO-ESP-1K", 2), ("EO-HB-250", 1)]


def test_issue_titles_are_short_and_labelled() -> None:
    title = issue_title("The checkout page is broken. " + "More detail. " * 20, Intent.BUG_REPORT)
    assert title == "Bug report: The checkout page is broken."
    assert len(issue_title("x" * 300, Intent.FEEDBACK)) <= 100
