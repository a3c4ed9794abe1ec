"""A visitor's personal data and session token never reach the services' logs or the
exported traces, even while an order carries them through every service."""

import time

import httpx
import pytest

from tests.e2e.conftest import RunningSystem

pytestmark = pytest.mark.security
EMAIL = "grace.hopper@example.com"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"


def test_logs_and_traces_hold_no_personal_data_or_tokens(system: RunningSystem) -> None:
    message = (
        f"Order 1 bag of House Blend, whole bean. My name is Grace Hopper, {EMAIL}. "
        f"Call me on {PHONE}; my card is {CARD}."
    )
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        headers, events = system.ask(client, token, message)
        order_id = next(data["action_id"] for kind, data in events if kind == "confirmation")
        confirm = client.post(
            f"/api/actions/{order_id}/confirm", headers={"Authorization": f"Bearer {token}"}
        )
        assert confirm.status_code == 200
        report = "The checkout page is broken; reach me at " + EMAIL
        system.ask(client, token, report)
    trace_id = headers["x-trace-id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not system.receiver.trace(trace_id):
        time.sleep(0.1)
    assert system.receiver.trace(trace_id), "the turn's spans were exported"
    logs = "".join(log.read_text() for log in system.data_dir.glob("*.log"))
    exported = b"".join(system.receiver.payloads)
    for personal in (EMAIL, PHONE, CARD, token):
        assert personal not in logs
        assert personal.encode() not in exported
