"""The staff page: the insights report as server-rendered HTML, charts as inline SVG, no
script. Every text from visitors is escaped."""

from html import escape

from copilot_contracts.insights import ConfirmationsView, FiguresView, InsightsReport, Share

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem;
  padding: 0 1rem; color: #1f1510; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
nav a { margin-right: 1rem; color: #3b2417; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4d8cc; }
.note { background: #f6efe6; padding: .6rem .8rem; }
svg { display: block; }
"""
PAGE_STYLE = f"<style>{STYLE}</style>"
BAR_WIDTH = 240


def _percent(share: Share | None) -> str:
    if share is None or share.rate is None:
        return "n/a"
    interval = f" (95% {share.low:.0%} to {share.high:.0%})" if share.low is not None else ""
    return f"{share.rate:.0%} of {share.total}{interval}"


def _bar(share: Share | None, label: str) -> str:
    rate = share.rate if share is not None and share.rate is not None else 0.0
    filled = round(BAR_WIDTH * rate)
    return (
        f'<svg role="img" aria-label="{escape(label)}: {escape(_percent(share))}" '
        f'width="{BAR_WIDTH}" height="14"><rect width="{BAR_WIDTH}" height="14" fill="#e4d8cc"/>'
        f'<rect width="{filled}" height="14" fill="#3b2417"/></svg>'
    )


def _row(label: str, share: Share | None) -> str:
    return (
        f"<tr><th scope=row>{escape(label)}</th><td>{escape(_percent(share))}</td>"
        f"<td>{_bar(share, label)}</td></tr>"
    )


def _text_row(label: str, text: str) -> str:
    return f"<tr><th scope=row>{escape(label)}</th><td>{escape(text)}</td><td></td></tr>"


def _confirmations(kind: str, answered: ConfirmationsView) -> str:
    label = "Orders prepared" if kind == "order" else "Reports prepared"
    text = (
        f"{answered.prepared}: {answered.accepted} accepted, {answered.declined} declined, "
        f"{answered.unanswered} left unanswered"
    )
    return _text_row(label, text)


def _failures(figures: FiguresView) -> str:
    codes = ", ".join(f"{code} {count}" for code, count in figures.errors.items())
    failed = f"{figures.failed_turns} ({codes})" if codes else str(figures.failed_turns)
    return f"{failed}; left mid-answer {figures.abandoned_turns}"


def _figures(figures: FiguresView) -> str:
    ms = "n/a" if figures.p50_ms is None else f"{figures.p50_ms:.0f} ms / {figures.p95_ms:.0f} ms"
    cost = figures.cost_per_conversation_usd
    rows = [
        f"<tr><th scope=row>Conversations</th><td>{figures.conversations} "
        f"({figures.turns} turns)</td><td></td></tr>",
        _row("Engaged sessions", figures.engaged_sessions),
        _row("Satisfaction", figures.satisfaction),
        _row("Order conversion", figures.order_conversion),
        _row("Ticket deflection", figures.deflection),
        *(_row(f"Tool {name}", share) for name, share in figures.tools.items()),
        f"<tr><th scope=row>Response time p50 / p95</th><td>{escape(ms)}</td><td></td></tr>",
        "<tr><th scope=row>Cost per conversation</th><td>"
        + ("n/a" if cost is None else f"${cost:.4f}")
        + "</td><td></td></tr>",
        *(_confirmations(kind, answered) for kind, answered in figures.confirmations.items()),
        _text_row("Failed turns", _failures(figures)),
    ]
    questions = "".join(f"<li>{escape(q)}</li>" for q in figures.unanswered_questions[:20])
    return (
        f"<table><tbody>{''.join(rows)}</tbody></table>"
        f"<h2>Unanswered ({figures.unanswered})</h2>"
        + (f"<ul>{questions}</ul>" if questions else "<p>None with the visitor's consent.</p>")
    )


def render(report: InsightsReport, days: int) -> str:
    sections = [f"<h2>All conversations</h2>{_figures(report.overall)}"]
    if report.top_questions:
        asked = "".join(
            f"<tr><td>{group.size}</td><td>{escape(group.label)}</td></tr>"
            for group in report.top_questions
        )
        sections.append(
            "<h2>Most asked</h2><table><thead><tr><th>Questions</th><th>Like</th></tr>"
            f"</thead><tbody>{asked}</tbody></table>"
        )
    for name, figures in report.variants.items():
        sections.append(f"<h2>Variant {escape(name)}</h2>{_figures(figures)}")
    verdicts = "".join(
        f"<li>{escape(c.figure.replace('_', ' '))}, {escape(c.b)} vs {escape(c.a)}: "
        f"{escape(c.verdict)}</li>"
        for c in report.comparisons
    )
    note = f'<p class="note">{escape(report.note)}</p>' if report.note else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Coffee Copilot insights</title>{PAGE_STYLE}</head><body><main>"
        f"<h1>Insights, last {days} days</h1>"
        '<nav aria-label="Period"><a href="?days=7">Last 7 days</a>'
        '<a href="?days=30">Last 30 days</a></nav>'
        f"{note}{''.join(sections)}"
        + (f"<h2>Variants compared</h2><ul>{verdicts}</ul>" if verdicts else "")
        + "</main></body></html>"
    )
