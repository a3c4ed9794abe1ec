"""What the chaos run left behind, checked against what the visitors were told: the orders
in the database (asked of the orders service, as `copilot orders` does) and the issues the
fake GitHub holds; and the chaos table."""

import asyncio
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import nats
from copilot_contracts import subjects
from copilot_contracts.orders import OrderDetails, OrdersFound, OrdersQuery

from tests.chaos.visitor import TurnRecord
from tests.support.fake_github import FakeGithub


@dataclass
class ChaosTable:
    kills: list[str]
    turns: int = 0
    completed: int = 0
    failed_cleanly: int = 0
    failed_late: int = 0
    lost: int = 0
    duplicates: int = 0
    lost_confirmed_orders: int = 0
    lost_sent_reports: int = 0
    orders_confirmed: int = 0
    reports_sent: int = 0
    decisions_unsettled: int = 0
    resumed_streams: int = 0
    resent_messages: int = 0
    turns_with_tool_failures: int = 0
    slowest_error_s: float = 0.0
    error_codes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tally(kills: list[str], turns: list[TurnRecord]) -> ChaosTable:
    table = ChaosTable(kills=kills, turns=len(turns))
    for turn in turns:
        table.resumed_streams += turn.resumed
        table.resent_messages += turn.resent
        table.turns_with_tool_failures += bool(turn.tool_failures)
        if turn.outcome == "completed":
            table.completed += 1
        elif turn.outcome == "failed":
            table.failed_cleanly += turn.failed_cleanly
            table.failed_late += not turn.failed_cleanly
            table.slowest_error_s = max(table.slowest_error_s, round(turn.seconds, 1))
        else:
            table.lost += 1
            table.problems.append(f"lost turn {turn.key} ({turn.kind}, turn {turn.turn_id})")
    table.error_codes = dict(Counter(t.error_code for t in turns if t.error_code))
    return table


async def _orders_of(nats_url: str, login: dict[str, str], sessions: list[str]) -> list[Any]:
    connection = await nats.connect(nats_url, **login)
    try:
        found: list[OrderDetails] = []
        for session_id in sessions:
            query = OrdersQuery(session_id=session_id, limit=500)
            reply = await connection.request(
                subjects.ORDERS_ORDER_QUERY, query.model_dump_json().encode(), timeout=10
            )
            found += OrdersFound.model_validate_json(reply.data).orders
        return found
    finally:
        await connection.close()


def check_orders(
    table: ChaosTable,
    turns: list[TurnRecord],
    nats_url: str,
    login: dict[str, str],
    sessions: list[str],
) -> None:
    """Each order the visitor confirmed is in the database, confirmed; no order turn left
    more than one order behind (whatever its status: a second one is a duplicate)."""
    orders = asyncio.run(_orders_of(nats_url, login, sessions))
    by_email = Counter(o.customer_email for o in orders)
    confirmed = {o.order_id for o in orders if o.status == "confirmed"}
    for turn in turns:
        if turn.kind != "order" or turn.action_id is None:
            continue
        email = f"{turn.key}@example.com"
        if by_email[email] > 1:  # one visitor request, more than one order prepared
            table.duplicates += by_email[email] - 1
            table.problems.append(f"{by_email[email]} orders for {turn.key} (resent {turn.resent})")
        if turn.decision == "confirmed":
            table.orders_confirmed += 1
            if turn.action_id not in confirmed:
                table.lost_confirmed_orders += 1
                table.problems.append(f"order {turn.action_id} confirmed but not in the database")
        elif turn.decision in (None, "unknown"):
            table.decisions_unsettled += 1
        elif turn.action_id in confirmed:
            table.problems.append(f"order {turn.action_id} placed though the visitor was told no")


def check_reports(table: ChaosTable, turns: list[TurnRecord], github: FakeGithub) -> None:
    """Each report the visitor sent is one issue; no issue was filed that nobody sent."""
    filed = Counter(
        turn.conversation_id
        for issue in github.issues
        for turn in turns
        if turn.conversation_id and turn.conversation_id in str(issue["body"])
    )
    sent = [t for t in turns if t.kind == "report" and t.decision == "filed"]
    table.reports_sent = len(sent)
    table.decisions_unsettled += sum(
        1 for t in turns if t.kind == "report" and t.action_id and t.decision in (None, "unknown")
    )
    for turn in turns:
        told_no = turn.kind == "report" and turn.decision not in (None, "unknown", "filed")
        if told_no and filed[turn.conversation_id]:
            table.problems.append(f"report {turn.action_id} filed though the visitor was told no")
    for turn in sent:
        times = filed[turn.conversation_id]
        if times == 0:
            table.lost_sent_reports += 1
            table.problems.append(f"report {turn.action_id} sent but never filed")
        elif times > 1:
            table.duplicates += times - 1
            table.problems.append(f"report {turn.action_id} filed {times} times")
    unsent = len(github.issues) - sum(filed.values())
    if unsent:
        table.duplicates += unsent
        table.problems.append(f"{unsent} issues filed for no report a visitor sent")
