"""`copilot insights`: what visitors ask, what the copilot fails at, whether it pays."""

import argparse
import sys
from collections.abc import Callable
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.insights import FiguresView, InsightsQuery, InsightsReport, Share
from copilot_contracts.replies import read_reply

from copilot_cli.nats_logins import connect, on_the_bus


def percent(share: Share | None) -> str:
    if share is None or share.rate is None:
        return "n/a"
    interval = f" (95%: {share.low:.0%} to {share.high:.0%})" if share.low is not None else ""
    return f"{share.rate:.0%} of {share.total}{interval}"


def render(figures: FiguresView, out: list[str]) -> None:
    def number(value: float | None, unit: str = "", digits: int = 1) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}{unit}"

    cost = figures.cost_per_conversation_usd
    out += [
        f"  conversations            {figures.conversations} ({figures.turns} turn(s), "
        f"{number(figures.avg_turns)} per conversation)",
        f"  engaged sessions         {percent(figures.engaged_sessions)}",
        f"  satisfaction             {percent(figures.satisfaction)}",
        f"  order conversion         {percent(figures.order_conversion)}",
        f"  ticket deflection        {percent(figures.deflection)}",
        f"  response time            p50 {number(figures.p50_ms, ' ms', 0)}, "
        f"p95 {number(figures.p95_ms, ' ms', 0)}",
        f"  per conversation         {number(figures.tokens_per_conversation, ' tokens', 0)}, "
        f"{'n/a' if cost is None else f'${cost:.4f}'}",
    ]
    for tool, share in figures.tools.items():
        out.append(f"  tool {tool:<19} {percent(share)} succeeded")
    for kind, answered in figures.confirmations.items():
        if answered.prepared:
            out.append(
                f"  {kind + 's' + ' prepared':<24} {answered.prepared}: {answered.accepted} "
                f"accepted, {answered.declined} declined, {answered.unanswered} left unanswered"
            )
    errors = ", ".join(f"{code} {count}" for code, count in figures.errors.items())
    out.append(
        f"  failed turns             {figures.failed_turns}{f' ({errors})' if errors else ''}; "
        f"left mid-answer {figures.abandoned_turns}"
    )
    out.append(f"  unanswered               {figures.unanswered}")
    out += [f"    - {question}" for question in figures.unanswered_questions[:10]]


def text(report: InsightsReport, by_variant: bool) -> str:
    out = [f"Insights {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"]
    if report.note:
        out.append(report.note)
    render(report.overall, out)
    if report.top_questions:
        out.append("  most asked (consented questions, grouped by meaning)")
        out += [f"    {g.size:>4}  {g.label}" for g in report.top_questions]
    if by_variant:
        for name, figures in report.variants.items():
            out.append(f"\nVariant {name}")
            render(figures, out)
        for comparison in report.comparisons:
            out.append(
                f"\n{comparison.figure}, {comparison.b} vs {comparison.a}: "
                f"{comparison.delta * 100:+.1f} points "
                f"(95 % {comparison.low * 100:+.1f} to {comparison.high * 100:+.1f}). "
                f"{comparison.verdict}"
            )
    return "\n".join(out)


def register(commands: Any, nats_url: str, login: Callable[[], dict[str, str]]) -> None:
    parser = commands.add_parser("insights", help="staff: what visitors ask and how it goes")
    parser.add_argument("--days", type=int, default=7, help="the last N days (default 7)")
    parser.add_argument("--variant", help="one prompt variant only")
    parser.add_argument("--by", choices=["variant"], help="break down and compare by variant")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    parser.add_argument("--nats-url", default=nats_url)
    parser.set_defaults(func=run, login=login)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.days <= 366:
        print("--days must be between 1 and 366.", file=sys.stderr)
        return 2
    report = on_the_bus(
        _ask(args.nats_url, args.login(), args.days, args.variant),
        args.nats_url,
        "The insights service did not answer; is it running?",
    )
    if report is None:
        return 1
    print(report.model_dump_json(indent=2) if args.json else text(report, args.by == "variant"))
    return 0


async def _ask(
    nats_url: str, login: dict[str, str], days: int, variant: str | None
) -> InsightsReport:
    connection = await connect(nats_url, login)
    try:
        query = InsightsQuery(days=days, variant=variant)
        reply = await connection.request(
            subjects.INSIGHTS_REPORT_QUERY, query.model_dump_json().encode(), timeout=30
        )
        return read_reply(reply.data, InsightsReport, subjects.INSIGHTS_REPORT_QUERY)
    finally:
        await connection.close()
