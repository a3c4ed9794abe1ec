"""Orders end to end: prepared by the assistant, placed only when the visitor confirms."""

import subprocess
import sys

import httpx

from tests.e2e.conftest import RunningSystem


def _confirmation(events: list[tuple[str, dict[str, object]]]) -> dict[str, object]:
    [confirmation] = [data for event, data in events if event == "confirmation"]
    return confirmation


def test_an_order_over_two_turns_is_placed_when_the_visitor_confirms(
    system: RunningSystem,
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        auth = {"Authorization": f"Bearer {token}"}
        _, first = system.ask(client, token, "I'd like two bags of the house blend")
        conversation_id = str(first[0][1]["conversation_id"])
        assert not [e for e, _ in first if e == "confirmation"], "contact details are missing"
        _, second = system.ask(client, token, "I'm Ada Lovelace, ada@example.com", conversation_id)
        action = _confirmation(second)
        assert "2 × House Blend" in str(action["summary"])
        order_id = str(action["action_id"])

        someone_else = {"Authorization": f"Bearer {system.session_token(client)}"}
        stolen = client.post(f"/api/actions/{order_id}/confirm", headers=someone_else)
        assert stolen.status_code == 404
        assert stolen.json()["error"]["code"] == "action_not_found"

        confirmed = client.post(f"/api/actions/{order_id}/confirm", headers=auth)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "confirmed"
        assert order_id in confirmed.json()["message"]

        status = client.get(f"/api/actions/{order_id}", headers=auth)
        assert status.status_code == 200 and status.json()["status"] == "confirmed"
        assert order_id in status.json()["message"]
        hidden = client.get(f"/api/actions/{order_id}", headers=someone_else)
        assert hidden.status_code == 404

        again = client.post(f"/api/actions/{order_id}/confirm", headers=auth)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "already_confirmed")
        late_cancel = client.post(f"/api/actions/{order_id}/cancel", headers=auth)
        assert late_cancel.status_code == 409

        unknown = client.post("/api/actions/EO-00000000/confirm", headers=auth)
        assert unknown.status_code == 404
        malformed = client.post("/api/actions/not-an-order/confirm", headers=auth)
        assert malformed.status_code == 422
        anonymous = client.post(f"/api/actions/{order_id}/confirm")
        assert anonymous.status_code == 401

    staff = system.copilot("orders", "show", order_id)
    assert staff.returncode == 0, staff.stderr
    assert f"Order {order_id}: confirmed" in staff.stdout and "ada@example.com" in staff.stdout


def test_copilot_chat_confirms_with_a_flag(system: RunningSystem) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "copilot_cli.main",
            "chat",
            "Order 1 bag of House Blend, whole bean. My name is Grace Hopper, grace@example.com",
            "--confirm",
            "--url",
            system.gateway_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "Awaiting confirmation" in done.stdout
    assert "is confirmed" in done.stdout and "EO-" in done.stdout
