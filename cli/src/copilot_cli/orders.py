"""`copilot orders list|show`: orders as staff see them, asked of the orders service."""

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.orders import OrderDetails, OrdersFound, OrdersQuery
from copilot_contracts.replies import ServiceError, read_reply
from nats.errors import NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError

from copilot_cli.nats_logins import REFUSED_LOGIN, LoginRefused, connect


def register(commands: Any, nats_url: str, login: Callable[[], dict[str, str]]) -> None:
    orders = commands.add_parser("orders", help="staff: list and show orders")
    actions = orders.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the newest orders")
    listing.add_argument(
        "--status",
        choices=["pending_confirmation", "confirmed", "fulfilled", "cancelled", "expired"],
    )
    listing.add_argument("--limit", type=int, default=20)
    showing = actions.add_parser("show", help="one order, with its lines and customer")
    showing.add_argument("order_id")
    for parser in (listing, showing):
        parser.add_argument("--nats-url", default=nats_url)
        parser.set_defaults(func=run, login=login)


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "show":
            query = OrdersQuery(order_id=args.order_id, limit=1)
        else:
            query = OrdersQuery(status=args.status, limit=args.limit)
    except ValidationError as exc:
        print(f"Invalid request: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    try:
        found = asyncio.run(_ask(args.nats_url, args.login(), query))
    except LoginRefused:
        print(REFUSED_LOGIN, file=sys.stderr)
        return 2
    except (NoServersError, OSError):
        print(f"Cannot reach NATS at {args.nats_url}. Is `make run` running?", file=sys.stderr)
        return 2
    except NoRespondersError:
        print("The orders service is not running.", file=sys.stderr)
        return 2
    except NatsTimeoutError:
        print("The orders service did not answer in time.", file=sys.stderr)
        return 2
    except ServiceError as refused:
        print(f"The orders service refused the query: {refused}", file=sys.stderr)
        return 2
    if args.action == "show":
        if not found.orders:
            print(f"No order {args.order_id}.", file=sys.stderr)
            return 1
        print(_details(found.orders[0]))
        return 0
    print(_table(found.orders))
    return 0


async def _ask(nats_url: str, login: dict[str, str], query: OrdersQuery) -> OrdersFound:
    nc = await connect(nats_url, login)
    try:
        reply = await nc.request(
            subjects.ORDERS_ORDER_QUERY, query.model_dump_json().encode(), timeout=10
        )
    finally:
        await nc.close()
    return read_reply(reply.data, OrdersFound, subjects.ORDERS_ORDER_QUERY)


def _table(orders: list[OrderDetails]) -> str:
    if not orders:
        return "No orders."
    rows = [("ORDER", "STATUS", "ITEMS", "TOTAL", "CREATED (UTC)")]
    rows += [
        (
            o.order_id,
            o.status,
            str(o.items),
            f"{o.total} {o.currency}",
            o.created_at.strftime("%Y-%m-%d %H:%M"),
        )
        for o in orders
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def _details(order: OrderDetails) -> str:
    lines = [
        f"Order {order.order_id}: {order.status}",
        f"Customer: {order.customer_name} <{order.customer_email}>",
        f"Created {order.created_at:%Y-%m-%d %H:%M} UTC; "
        + (
            f"confirmed {order.confirmed_at:%Y-%m-%d %H:%M} UTC"
            if order.confirmed_at
            else f"confirm by {order.expires_at:%Y-%m-%d %H:%M} UTC"
        ),
        "",
    ]
    for line in order.lines:
        grind = f" ({line.grind})" if line.grind else ""
        lines.append(
            f"  {line.quantity} × {line.name}{grind} [{line.sku}] @ {line.unit_price}"
            f" = {line.line_total}"
        )
    lines.append(f"  Total: {order.total} {order.currency}")
    if order.note:
        lines.append(f"Note: {order.note}")
    return "\n".join(lines)
