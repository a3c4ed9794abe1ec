"""Alerts and the dashboard as code: every expression parses as PromQL and uses only the
metric names the services export (the deployment checklist's contract); the rollback
triggers are the checklist's, labelled action: rollback."""

import json
import re
from typing import Any

import promql_parser
import pytest

from tests.deploy.k8s_support import OVERLAYS, ROOT, Manifest, find

SERVICES = ("gateway", "orchestrator", "rag", "orders", "github", "insights")

# The services' metrics (histograms by their _bucket series), and Prometheus's own `up`.
METRICS = {
    "chat_requests_total",
    "chat_response_seconds_bucket",
    "active_chat_sessions",
    "feedback_total",
    "tool_calls_total",
    "llm_requests_total",
    "llm_tokens_total",
    "llm_cost_usd_total",
    "llm_spend_today_usd",
    "llm_daily_spend_cap_usd",
    "llm_budget_refusals_total",
    "llm_circuit_state",
    "llm_breaker_rejections_total",
    "llm_retries_total",
    "vector_search_seconds_bucket",
    "nats_consumer_pending",
    "nats_consumer_redelivered",
    "db_pool_connections",
}
# Alerts may also watch what a dashboard need not show.
ALERT_ONLY = {"up", "llm_budget_ledger_errors_total"}
ROLLBACK = {
    "CopilotChatErrorRateHigh": ("chat_requests_total", "5m", 0.05),
    "CopilotChatLatencyHigh": ("chat_response_seconds_bucket", "10m", 3),
    "CopilotLLMFailuresHigh": ("llm_requests_total", "2m", 0.5),
}


def metric_names(expr: str) -> set[str]:
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), pre_visit=visit)
    return names


def rules(objects: list[Manifest]) -> dict[str, dict[str, Any]]:
    rule = find(objects, "PrometheusRule", "coffee-copilot")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_alert_parses_and_uses_the_services_metrics(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for name, rule in rules(rendered[overlay]).items():
        used = metric_names(rule["expr"])
        assert used and used <= METRICS | ALERT_ONLY, (name, used - METRICS - ALERT_ONLY)
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["runbook"], name


def test_the_rollback_triggers_are_the_checklists(rendered: dict[str, list[Manifest]]) -> None:
    alerts = rules(rendered["prod"])
    flagged = {name for name, rule in alerts.items() if rule["labels"].get("action")}
    assert flagged == set(ROLLBACK)
    for name, (metric, duration, threshold) in ROLLBACK.items():
        rule = alerts[name]
        assert rule["labels"]["action"] == "rollback"
        assert rule["for"] == duration
        assert metric in metric_names(rule["expr"])
        comparison = promql_parser.parse(rule["expr"])
        assert isinstance(comparison, promql_parser.BinaryExpr)
        assert float(str(comparison.rhs)) == threshold, name
    assert 'status="error"' in alerts["CopilotChatErrorRateHigh"]["expr"]
    assert "histogram_quantile(0.95" in alerts["CopilotChatLatencyHigh"]["expr"]
    assert 'reason="daily_spend_cap"' in alerts["CopilotLLMDailySpendCapReached"]["expr"]
    assert "> 100" in alerts["CopilotConsumerLagHigh"]["expr"]


def test_the_dashboard_shows_the_checklists_metrics(rendered: dict[str, list[Manifest]]) -> None:
    for overlay in OVERLAYS:
        config = find(rendered[overlay], "ConfigMap", "coffee-copilot-dashboard")
        assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
        [text] = config["data"].values()
        dashboard = json.loads(text)
        assert dashboard["uid"] == "coffee-copilot"
        shown: set[str] = set()
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                shown |= metric_names(target["expr"])
        assert shown == METRICS
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids))


def test_prometheus_scrapes_every_service(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["prod"]
    monitor = find(objects, "ServiceMonitor", "coffee-copilot")["spec"]
    [endpoint] = monitor["endpoints"]
    assert endpoint["path"] == "/metrics"
    [expression] = monitor["selector"]["matchExpressions"]
    for name in expression["values"]:
        service = find(objects, "Service", name)
        assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert set(expression["values"]) == set(SERVICES)


def test_the_service_down_alert_watches_every_service(
    rendered: dict[str, list[Manifest]],
) -> None:
    expression = rules(rendered["prod"])["CopilotServiceDown"]["expr"]
    [watched] = re.findall(r'job=~"([^"]+)"', expression)
    assert set(watched.split("|")) == set(SERVICES)


def test_every_runbook_link_leads_to_a_section(rendered: dict[str, list[Manifest]]) -> None:
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / "operations.md").read_text(), re.M)
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    for name, rule in rules(rendered["prod"]).items():
        page, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert page == "docs/operations.md" and anchor in anchors, (name, anchor)
