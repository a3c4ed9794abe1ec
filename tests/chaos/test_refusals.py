"""Which bus refusals the chaos run expects: only replies refused just after NATS restarted
(lines as the server and the rag service wrote them in a run)."""

from datetime import datetime

from tests.chaos.refusals import replies_refused_after_restarts

SERVER_LINE = (
    '[13093] 2026/11/26 23:45:21.386886 [ERR] 127.0.0.1:35210 - cid:71 - "v2.16.0:python3:rag"'
    ' - "$G/user:rag" - Publish Violation - Subject "_INBOX.orchestrator.19FJrAsknGFdsB.19FJr"'
)
SERVICE_LINE = (
    'rag.log: {"ts": "2026-11-26T23:45:21.389401+00:00", "level": "error", "service": "rag",'
    ' "msg": "NATS refused: nats: permissions violation for publish to'
    ' \\"_inbox.orchestrator.19fjraskngfdsb.19fjr\\"", "trace_id": null}'
)
OTHER_LINE = SERVER_LINE.replace('"_INBOX.orchestrator', '"copilot.v1.orders.order.decide')


def _restart_before(seconds: float) -> float:
    server_time = datetime.strptime("2026/11/26 23:45:21.386886", "%Y/%m/%d %H:%M:%S.%f")
    return server_time.timestamp() - seconds


def test_a_reply_refused_just_after_a_restart_is_expected() -> None:
    service_time = datetime.fromisoformat("2026-11-26T23:45:21.389401+00:00").timestamp()
    expected = replies_refused_after_restarts([_restart_before(2), service_time - 2])
    assert expected(SERVER_LINE)
    assert expected(SERVICE_LINE)


def test_other_refusals_and_late_ones_are_not() -> None:
    assert not replies_refused_after_restarts([_restart_before(2)])(OTHER_LINE)
    assert not replies_refused_after_restarts([_restart_before(60)])(SERVER_LINE)
    assert not replies_refused_after_restarts([])(SERVER_LINE)
