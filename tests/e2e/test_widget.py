"""The widget in a real browser (Debian's Chromium), on the demo page of a running system."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.e2e.conftest import RunningSystem
from tests.e2e.widget_browser import ARTIFACTS, Widget, axe_script, browser

__all__ = ["axe_script", "browser"]  # fixtures


@pytest.fixture
def page(browser: Browser, system: RunningSystem) -> Iterator[Page]:
    # The tests add scripts and styles to the page (axe, a hostile host page's CSS), which the
    # demo page's CSP refuses; the policy itself is tested with it on.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    opened = context.new_page()
    opened.goto(system.gateway_url)
    yield opened
    context.close()


def test_a_docs_question_streams_an_answer_with_a_citation_link(page: Page) -> None:
    widget = Widget(page)
    started = time.perf_counter()
    widget.open()
    interactive_ms = (time.perf_counter() - started) * 1000
    answer = widget.ask("How should I store my coffee beans?")
    assert "Offline assistant" in answer.inner_text()
    link = answer.locator(".sources a").first
    assert "storing-coffee-beans" in (link.get_attribute("href") or "")
    assert link.get_attribute("rel") == "noopener noreferrer"
    thumbs_up = answer.get_by_role("group", name="Was this helpful?").get_by_role(
        "button", name="Yes"
    )
    with page.expect_response("**/api/feedback") as feedback:
        thumbs_up.click()
    assert feedback.value.status == 202
    assert thumbs_up.get_attribute("aria-pressed") == "true"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "widget-timings.json").write_text(
        json.dumps({"click_to_interactive_ms": interactive_ms})
    )


def test_the_widget_runs_under_the_demo_page_strict_csp(
    browser: Browser, system: RunningSystem
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(system.gateway_url)
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    widget = Widget(page)
    widget.open()
    disclosure = widget.panel.locator(".notice")
    assert "You are chatting with an AI assistant" in disclosure.inner_text()
    assert disclosure.get_by_role("checkbox").is_checked() is False, "consent is opt-in"
    widget.ask("How should I store my coffee beans?")
    assert page.evaluate("window.__violations") == []
    launcher_colour = widget.launcher.evaluate("e => getComputedStyle(e).borderRadius")
    assert launcher_colour == "50%", "the widget's styles apply under the policy"
    context.close()


def test_the_order_flow_ends_with_the_order_number(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("I'd like two bags of the house blend")
    widget.ask("I'm Ada Lovelace, ada@example.com")
    card = widget.panel.locator(".card")
    card.get_by_role("button", name="Confirm order").click()
    outcome = card.locator(".status")
    outcome.filter(has_text="is confirmed").wait_for(timeout=20_000)
    assert "EO-" in outcome.inner_text()


def test_a_bug_report_is_sent_only_with_the_send_report_button(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("The checkout page is broken, it shows an error page")
    card = widget.panel.get_by_role("group", name="Send your report")
    with page.expect_response("**/api/actions/GH-*/confirm") as sent:
        card.get_by_role("button", name="Send report").click()
    assert sent.value.status == 200
    card.locator(".status").filter(has_text="recorded for our web team").wait_for()


def test_keyboard_only_and_escape_returns_focus_to_the_launcher(page: Page) -> None:
    widget = Widget(page)
    for _ in range(10):  # past the page's own links to the launcher
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.tagName") == "COFFEE-COPILOT":
            break
    page.keyboard.press("Enter")
    widget.input.wait_for(state="visible")
    assert widget.input.evaluate("el => el.getRootNode().activeElement === el")
    page.keyboard.type("What grind for French press?")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('coffee-copilot').shadowRoot"
        ".querySelectorAll('.message.assistant:not([aria-busy])').length >= 2"
    )
    for _ in range(15):  # the focus stays inside the open dialog
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement?.tagName") == "COFFEE-COPILOT"
    page.keyboard.press("Escape")
    assert widget.panel.is_hidden()
    assert widget.launcher.evaluate("el => el.getRootNode().activeElement === el")
    assert widget.launcher.get_attribute("aria-expanded") == "false"


def test_axe_finds_no_serious_violations_open_or_closed(page: Page, axe_script: Path) -> None:
    # Contrast is judged on still elements: no opening animation half-way through a check.
    page.emulate_media(reduced_motion="reduce")
    widget = Widget(page)
    page.add_script_tag(path=str(axe_script))
    check = (
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.html + ' ' + n.failureSummary).join(' | '))"
    )
    assert page.evaluate(check) == []
    widget.open()
    widget.ask("Do you ship internationally?")
    assert page.evaluate(check) == []


def test_on_a_phone_the_launcher_leaves_the_call_to_action_free(
    browser: Browser, system: RunningSystem
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, reduced_motion="reduce"
    )
    phone = context.new_page()
    phone.goto(system.gateway_url)
    widget = Widget(phone)
    widget.launcher.wait_for()
    cta = phone.locator("#shop-now").bounding_box()
    launcher = widget.launcher.bounding_box()
    assert cta and launcher
    overlap_x = min(cta["x"] + cta["width"], launcher["x"] + launcher["width"]) - max(
        cta["x"], launcher["x"]
    )
    overlap_y = min(cta["y"] + cta["height"], launcher["y"] + launcher["height"]) - max(
        cta["y"], launcher["y"]
    )
    assert overlap_x <= 0 or overlap_y <= 0, "the launcher covers the call to action"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "mobile-closed.png"))
    widget.open()
    panel = widget.panel.bounding_box()
    assert panel and panel["width"] == 375, "a full-screen sheet on a phone"
    assert phone.evaluate("document.documentElement.style.overflow") == "hidden"
    phone.screenshot(path=str(ARTIFACTS / "mobile-open.png"))
    context.close()


HOSTILE = [
    '<img src=x onerror="window.__xss=1">',
    "[click me](javascript:window.__xss=1)",
    "<script>window.__xss=1</script>",
    '**bold** <a href="javascript:window.__xss=1">x</a>',
]


def test_hostile_text_renders_as_text(page: Page, system: RunningSystem) -> None:
    rendered = page.evaluate(
        """async (payloads) => {
          const { renderMarkdown } = await import('/widget-markdown.js');
          const box = document.createElement('div');
          for (const p of payloads) box.append(renderMarkdown(p));
          document.body.append(box);
          await new Promise(r => setTimeout(r, 100));
          return { images: box.querySelectorAll('img, script').length,
                   links: [...box.querySelectorAll('a')].map(a => a.href),
                   text: box.textContent, xss: window.__xss === 1 };
        }""",
        HOSTILE,
    )
    assert rendered["images"] == 0 and rendered["xss"] is False
    assert all(not link.startswith("javascript:") for link in rendered["links"])
    assert "<img src=x" in rendered["text"]
    widget = Widget(page)
    widget.open()
    widget.ask(HOSTILE[0])
    visitor = widget.panel.locator(".message.visitor").last
    assert visitor.inner_text() == HOSTILE[0]
    assert page.evaluate("window.__xss === 1") is False


def test_host_page_css_does_not_reach_the_widget(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    normal = widget.panel.evaluate(
        "el => [el.getBoundingClientRect().width, getComputedStyle(el).fontSize]"
    )
    widget.panel.get_by_role("button", name="Close chat").click()
    page.add_style_tag(content="* { all: unset !important; } html { font-size: 40px !important; }")
    widget.launcher.click()
    hostile = widget.panel.evaluate(
        "el => [el.getBoundingClientRect().width, getComputedStyle(el).fontSize]"
    )
    assert hostile == normal


def test_the_conversation_survives_a_page_load_and_new_chat_resets_it(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("What are your café opening hours?")
    page.reload()
    widget.open()
    visitor = widget.panel.locator(".message.visitor")
    assert visitor.count() == 1 and "opening hours" in visitor.first.inner_text()
    assert widget.panel.locator(".message.assistant").count() == 2
    widget.panel.get_by_role("button", name="New chat").click()
    assert visitor.count() == 0
    assert page.evaluate("JSON.parse(sessionStorage.getItem('coffee-copilot')).transcript") == []


def test_a_message_sent_offline_goes_out_when_the_connection_returns(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("Hello")  # the session exists before the connection drops
    page.context.set_offline(True)
    alerts = widget.panel.get_by_role("alert")
    for number, question in enumerate(["Do you ship to Canada?", "Can I pay with PayPal?"]):
        widget.input.fill(question)
        widget.input.press("Enter")
        alerts.nth(number).wait_for()
    assert "Connection lost" in alerts.first.inner_text()
    page.context.set_offline(False)
    page.wait_for_function(
        "() => { const root = document.querySelector('coffee-copilot').shadowRoot;"
        " return root.querySelectorAll('.message.assistant:not([aria-busy])').length === 4"
        " && !root.querySelector('[role=alert]'); }",
        timeout=30_000,
    )
    visitor = widget.panel.locator(".message.visitor")
    assert visitor.count() == 3, "each message shown once, both sent when back online"


def test_rate_limits_and_expired_sessions_are_handled_for_the_visitor(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("Hello")
    limited = {"error": {"code": "rate_limited", "message": "Too many requests."}}
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(status=429, json=limited, headers={"Retry-After": "12"}),
        times=1,
    )
    widget.input.fill("Do you roast decaf?")
    widget.input.press("Enter")
    alert = widget.panel.get_by_role("alert")
    alert.wait_for()
    assert "Please wait 12 seconds" in alert.inner_text()

    expired = {"error": {"code": "token_expired", "message": "The session has expired."}}
    page.route("**/api/chat", lambda route: route.fulfill(status=401, json=expired), times=1)
    session_before = page.evaluate("JSON.parse(sessionStorage.getItem('coffee-copilot')).token")
    with page.expect_response("**/api/sessions/refresh") as renewed:
        widget.ask("What grind for AeroPress?")
    assert renewed.value.status == 200, "the same session renewed, without bothering anyone"
    assert renewed.value.json()["session_id"] in _session_ids(session_before)
    assert "Offline assistant" in widget.panel.locator(".message.assistant").last.inner_text()


def _session_ids(token: str) -> set[str]:
    import base64

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {claims["sid"]}


def test_a_pending_order_card_survives_a_reload(page: Page) -> None:
    widget = Widget(page)
    widget.open()
    widget.ask("Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, ada@example.com")
    page.reload()
    widget.open()
    card = widget.panel.locator(".card")
    card.get_by_role("button", name="Confirm order").click()
    card.locator(".status").filter(has_text="is confirmed").wait_for(timeout=20_000)
    page.reload()
    widget.open()
    restored = widget.panel.locator(".card")
    assert "is confirmed" in restored.inner_text()
    assert restored.get_by_role("button", name="Confirm order").is_disabled()


def test_a_confirmation_still_processing_is_followed_to_its_outcome(page: Page) -> None:
    def applied_but_slow(route: Route) -> None:
        route.fetch()  # the decision is applied, but the answer came too late for the gateway
        route.fulfill(status=202, json={"action_id": "x", "status": "processing", "message": "…"})

    widget = Widget(page)
    widget.open()
    widget.ask("Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, ada@example.com")
    page.route("**/api/actions/*/confirm", applied_but_slow)
    card = widget.panel.locator(".card")
    card.get_by_role("button", name="Confirm order").click()
    card.locator(".status").filter(has_text="is confirmed").wait_for(timeout=20_000)
