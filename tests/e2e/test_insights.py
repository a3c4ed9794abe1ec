"""Scripted conversations through the running system, and the insights report checked
figure by figure against what they must give."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from copilot_orchestrator.domain.prompts import PromptVariants, parse_split
from playwright.sync_api import Browser

from tests.conftest import own_nats_server, wait_until
from tests.e2e.conftest import RunningSystem, running_system
from tests.e2e.widget_browser import Widget, browser
from tests.support.otlp_receiver import OtlpReceiver

__all__ = ["browser"]  # fixture

ORDER = "Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, ada@example.com"
NOTHING = "What is the airspeed velocity of an unladen swallow?"
STAFF_KEY = "staff-key-for-the-insights-tests-0123456789"
SPLIT = "default=1,concise=1"  # two prompt variants, half the conversations each


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # A system of its own: no other test's conversations in the report.
    data_dir = Path(tmp_path_factory.mktemp("insights-system"))
    with (
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
        running_system(
            nats, data_dir, receiver, STAFF_API_KEYS=STAFF_KEY, PROMPT_VARIANTS=SPLIT
        ) as running,
    ):
        yield running


def visit(
    client: httpx.Client, system: RunningSystem, message: str, consent: bool = True
) -> tuple[dict[str, str], list[tuple[str, dict[str, Any]]]]:
    """A visitor opens the widget (as the widget tells the gateway) and asks once."""
    created = client.post("/api/sessions", json={"site_key": "demo-site-key", "consent": consent})
    auth = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.post("/api/widget/opened", headers=auth).status_code == 202
    _, events = system.ask(client, created.json()["token"], message)
    return auth, events


def open_and_leave(system: RunningSystem, browser: Browser) -> None:
    """A visitor opens the widget on the demo page, ticks the consent box, and leaves."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(system.gateway_url)
    with page.expect_response(lambda r: r.url.endswith("/api/widget/opened")) as told:
        Widget(page).open()
    assert told.value.status == 202
    with page.expect_response(lambda r: r.url.endswith("/api/sessions/consent")) as consent:
        Widget(page).panel.get_by_role("checkbox").check()
    assert consent.value.status == 200
    context.close()


def rate(client: httpx.Client, auth: dict[str, str], turn_id: str, rating: str) -> None:
    body = {"turn_id": turn_id, "rating": rating}
    wait_until(lambda: client.post("/api/feedback", json=body, headers=auth).status_code == 202)


def report(system: RunningSystem, *args: str) -> dict[str, Any]:
    done = system.copilot("insights", "--json", *args)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@dataclass(frozen=True)
class Held:
    """The scripted conversations: each one's id and what it must count for."""

    system: RunningSystem
    conversations: dict[str, set[str]]
    """conversation id -> facts: up, down, docs (cited), unanswered, prepared, and what
    became of the order: confirmed, declined, or abandoned (left without an answer)."""


@pytest.fixture(scope="module")
def held(quiet: RunningSystem, browser: Browser) -> Held:
    """The scripted conversations, held once for the module's tests."""
    facts: dict[str, set[str]] = {}
    open_and_leave(quiet, browser)  # opened the widget, never asked: not engaged
    with httpx.Client(base_url=quiet.gateway_url, timeout=30) as client:
        answered, events = visit(client, quiet, "How should I store my coffee beans?")
        rate(client, answered, events[0][1]["turn_id"], "up")
        facts[events[0][1]["conversation_id"]] = {"up", "docs"}
        unanswered, events = visit(client, quiet, NOTHING)
        rate(client, unanswered, events[0][1]["turn_id"], "down")
        facts[events[0][1]["conversation_id"]] = {"down", "unanswered"}
        ordering, events = visit(client, quiet, ORDER, consent=False)
        order_id = next(d["action_id"] for kind, d in events if kind == "confirmation")
        confirmed = client.post(f"/api/actions/{order_id}/confirm", headers=ordering)
        assert confirmed.json()["status"] == "confirmed"
        facts[events[0][1]["conversation_id"]] = {"prepared", "confirmed"}
        _, events = visit(client, quiet, ORDER, consent=False)  # prepared, then abandoned
        facts[events[0][1]["conversation_id"]] = {"prepared", "abandoned"}
        declining, events = visit(client, quiet, ORDER, consent=False)
        order_id = next(d["action_id"] for kind, d in events if kind == "confirmation")
        declined = client.post(f"/api/actions/{order_id}/cancel", headers=declining)
        assert declined.json()["status"] == "cancelled"
        facts[events[0][1]["conversation_id"]] = {"prepared", "declined"}
    return Held(quiet, facts)


def settled(system: RunningSystem) -> dict[str, Any]:
    """The overall figures once every scripted event has been stored."""

    def stored() -> dict[str, Any] | None:
        found = report(system)["overall"]
        ready = (
            found["turns"] == 5
            and found["satisfaction"]["total"] == 2
            and found["order_conversion"]["hits"] == 1
            and (found["engaged_sessions"] or {}).get("total") == 6
            and found["confirmations"]["order"]["declined"] == 1
        )
        return found if ready else None

    overall = wait_until(stored, timeout=30, every=0.5)
    assert isinstance(overall, dict)
    return overall


def test_the_report_matches_the_conversations_held(held: Held) -> None:
    quiet = held.system

    overall = settled(quiet)
    assert (overall["conversations"], overall["avg_turns"]) == (5, 1.0)
    # Six sessions opened the widget; five of them asked (the browser visitor only looked).
    assert (overall["engaged_sessions"]["hits"], overall["engaged_sessions"]["total"]) == (5, 6)
    assert overall["satisfaction"]["rate"] == 0.5  # one up, one down
    # Three orders prepared: one confirmed, one declined, one left without an answer.
    assert (overall["order_conversion"]["hits"], overall["order_conversion"]["total"]) == (1, 3)
    assert overall["confirmations"]["order"] == {
        "prepared": 3,
        "accepted": 1,
        "declined": 1,
        "unanswered": 1,
    }
    assert (overall["failed_turns"], overall["errors"], overall["abandoned_turns"]) == (0, {}, 0)
    # Answered from the docs with a citation and no thumbs-down: the storage question only.
    assert (overall["deflection"]["hits"], overall["deflection"]["total"]) == (1, 1)
    assert overall["tools"]["searchDocs"] == {
        **overall["tools"]["searchDocs"],
        "hits": 2,
        "total": 2,
    }
    assert overall["tools"]["createOrder"]["hits"] == 3
    assert overall["unanswered"] == 1 and overall["unanswered_questions"] == [NOTHING]
    assert overall["p50_ms"] is not None and overall["p95_ms"] >= overall["p50_ms"]
    # The offline planner calls no model: no tokens, nothing spent.
    assert overall["tokens_per_conversation"] == 0
    assert float(overall["cost_per_conversation_usd"]) == 0
    # Consented questions, grouped by meaning with the docs search's own model.
    grouped = {group["label"] for group in report(quiet)["top_questions"]}
    assert grouped == {"How should I store my coffee beans?", NOTHING}
    assert "variant 'other'" in report(quiet, "--variant", "other")["note"]


def test_each_prompt_variant_gets_its_own_figures(held: Held) -> None:
    settled(held.system)
    found = report(held.system, "--by", "variant")
    split = PromptVariants(parse_split(SPLIT))
    expected: dict[str, list[set[str]]] = {}
    for conversation, facts in held.conversations.items():
        expected.setdefault(split.variant_for(conversation), []).append(facts)
    assert set(found["variants"]) == set(expected)
    for variant, conversations in expected.items():
        figures = found["variants"][variant]

        def count(*kinds: str, among: list[set[str]] = conversations) -> int:
            return sum(all(kind in facts for kind in kinds) for facts in among)

        assert figures["conversations"] == len(conversations) == figures["turns"]
        rated = count("up") + count("down")
        assert (figures["satisfaction"]["hits"], figures["satisfaction"]["total"]) == (
            count("up"),
            rated,
        )
        assert (figures["order_conversion"]["hits"], figures["order_conversion"]["total"]) == (
            count("prepared", "confirmed"),
            count("prepared"),
        )
        orders = figures["confirmations"]["order"]
        assert (orders["accepted"], orders["declined"], orders["unanswered"]) == (
            count("confirmed"),
            count("declined"),
            count("abandoned"),
        )
        assert (figures["deflection"]["hits"], figures["deflection"]["total"]) == (
            count("docs"),
            count("docs"),
        )
        assert figures["unanswered"] == count("unanswered")
    if len(expected) == 2:
        assert {c["figure"] for c in found["comparisons"]} == {
            "satisfaction",
            "order_conversion",
            "deflection",
        }
        assert all(not c["decided"] for c in found["comparisons"])


def test_the_staff_page_shows_the_last_30_days_in_the_browser(held: Held, browser: Browser) -> None:
    quiet = held.system
    settled(quiet)
    context = browser.new_context(http_credentials={"username": "staff", "password": STAFF_KEY})
    page = context.new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective));"
    )
    page.goto(f"{quiet.gateway_url}/admin/insights")
    page.get_by_role("link", name="Last 30 days").click()
    page.get_by_role("heading", name="Insights, last 30 days").wait_for()
    assert page.get_by_role("img", name="Satisfaction: 50% of 2").first.is_visible()
    assert page.locator("li", has_text=NOTHING).count() >= 1
    prepared = page.get_by_role("row", name="Orders prepared").first
    assert "3: 1 accepted, 1 declined, 1 left unanswered" in prepared.inner_text()
    assert page.get_by_role("heading", name="Most asked").is_visible()
    assert page.evaluate("window.__violations") == []
    context.close()
    anonymous = browser.new_context()
    refused = anonymous.request.get(f"{quiet.gateway_url}/admin/insights")
    assert refused.status == 401 and refused.headers["www-authenticate"].startswith("Basic")
    anonymous.close()
