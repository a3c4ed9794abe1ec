"""The report as staff read it: figures with their intervals, and prompt variants compared
only where the samples can decide."""

from datetime import datetime
from itertools import combinations

from copilot_contracts.insights import (
    ConfirmationsView,
    FiguresView,
    InsightsReport,
    Share,
    VariantComparison,
)

from copilot_insights.domain.report import Activity, Figures, figures, variants
from copilot_insights.domain.stats import Proportion, difference

MIN_SAMPLE = 30
"""Conversations each variant needs before a comparison may decide anything."""
COMPARED = ("satisfaction", "order_conversion", "deflection")


def share(proportion: Proportion) -> Share:
    low, high = proportion.interval() or (None, None)
    return Share(
        hits=proportion.hits, total=proportion.total, rate=proportion.rate, low=low, high=high
    )


def view(found: Figures) -> FiguresView:
    return FiguresView(
        conversations=found.conversations,
        turns=found.turns,
        engaged_sessions=share(found.engaged_sessions) if found.engaged_sessions else None,
        avg_turns=found.avg_turns,
        satisfaction=share(found.satisfaction),
        order_conversion=share(found.order_conversion),
        deflection=share(found.deflection),
        tools={name: share(p) for name, p in found.tools.items()},
        tokens_per_conversation=found.tokens_per_conversation,
        cost_per_conversation_usd=found.cost_per_conversation,
        p50_ms=found.p50_ms,
        p95_ms=found.p95_ms,
        unanswered=found.unanswered,
        unanswered_questions=found.unanswered_questions[:50],
        confirmations={
            kind: ConfirmationsView(
                prepared=c.prepared,
                accepted=c.accepted,
                declined=c.declined,
                unanswered=c.unanswered,
            )
            for kind, c in found.confirmations.items()
        },
        failed_turns=found.failed_turns,
        errors=found.errors,
        abandoned_turns=found.abandoned_turns,
    )


def compare(name: str, a: str, b: str, first: Figures, second: Figures) -> VariantComparison:
    found = difference(getattr(first, name), getattr(second, name), MIN_SAMPLE)
    label = name.replace("_", " ")
    if found is None:
        return VariantComparison(
            figure=name,
            a=a,
            b=b,
            delta=0,
            low=0,
            high=0,
            decided=False,
            verdict=f"No {label} data for one of the variants yet.",
        )
    if found.decided:
        better = "higher" if found.delta > 0 else "lower"
        verdict = f"{b}'s {label} is {better} than {a}'s by {abs(found.delta) * 100:.1f} points."
    elif min(first.conversations, second.conversations) < MIN_SAMPLE:
        verdict = (
            f"Too few conversations to decide ({first.conversations} and "
            f"{second.conversations}; at least {MIN_SAMPLE} each)."
        )
    else:
        verdict = f"No clear difference in {label}: the interval includes zero."
    return VariantComparison(
        figure=name,
        a=a,
        b=b,
        delta=found.delta,
        low=found.low,
        high=found.high,
        decided=found.decided,
        verdict=verdict,
    )


def build_report(
    activity: Activity, since: datetime, until: datetime, variant: str | None = None
) -> InsightsReport:
    names = variants(activity)
    per_variant = {name: figures(activity, name) for name in names}
    note = None
    if not activity.turns:
        note = "No conversation in this period (or none kept: see TRANSCRIPT_RETENTION_DAYS)."
    elif variant is not None and variant not in per_variant:
        note = f"No conversation used the variant {variant!r} in this period."
    shown = (
        per_variant
        if variant is None
        else {name: found for name, found in per_variant.items() if name == variant}
    )
    comparisons = (
        [
            compare(name, a, b, per_variant[a], per_variant[b])
            for a, b in combinations(names, 2)
            for name in COMPARED
        ]
        if variant is None
        else []
    )
    return InsightsReport(
        since=since,
        until=until,
        overall=view(figures(activity, variant)),
        variants={name: view(found) for name, found in shown.items()},
        comparisons=comparisons,
        note=note,
    )
