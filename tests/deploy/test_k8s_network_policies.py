"""The network policies, as rendered, allow what each service needs and nothing else: NATS,
DNS and the trace collector for every service, then its own store or API; the gateway from
the ingress controller; /metrics from Prometheus; NATS monitoring from KEDA."""

import pytest

from tests.deploy.k8s_network import Address, Pod, allowed, pods
from tests.deploy.k8s_support import MANAGED_DB, Manifest

SERVICES = {
    "gateway": 8000,
    "orchestrator": 8001,
    "rag": 8002,
    "orders": 8003,
    "github": 8004,
    "insights": 8005,
}
# The orders' and the insights' databases are on one PostgreSQL server.
DATABASE_CLIENTS = {"orders", "orders-migrate", "insights"}
VARIANTS = ["dev", "prod", MANAGED_DB]
KUBE_DNS = Pod({"k8s-app": "kube-dns"}, "kube-system", own=False)
INGRESS_CONTROLLER = Pod({"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx", own=False)
PROMETHEUS = Pod({"app.kubernetes.io/name": "prometheus"}, "monitoring", own=False)
KEDA = Pod({"app": "keda-operator"}, "keda", own=False)
STRANGER = Pod({"app": "something-else"}, "default", own=False)
INTERNET = Address("140.82.112.6")  # a public address (api.github.com, say)
CLOUD_METADATA = Address("169.254.169.254")
MANAGED_POSTGRES = Address("10.100.0.5")  # inside the managed-postgres component's range


def _pods(rendered: dict[str, list[Manifest]], variant: str) -> dict[str, Pod]:
    return pods(rendered[variant])


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_service_reaches_nats_dns_and_the_collector_only(
    rendered: dict[str, list[Manifest]], variant: str
) -> None:
    objects, pod = rendered[variant], _pods(rendered, variant)
    for name in SERVICES:
        assert allowed(objects, pod[name], pod["nats"], 4222), name
        assert allowed(objects, pod[name], KUBE_DNS, 53, "UDP"), name
        assert allowed(objects, pod[name], pod["otel-collector"], 4318), name
        assert not allowed(objects, pod[name], pod["nats"], 8222), name
        assert not allowed(objects, pod[name], pod["jaeger"], 16686), name
        assert not allowed(objects, pod[name], CLOUD_METADATA, 443), name
        assert not allowed(objects, pod[name], CLOUD_METADATA, 80), name


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_service_reaches_its_own_store_and_no_other(
    rendered: dict[str, list[Manifest]], variant: str
) -> None:
    objects, pod = rendered[variant], _pods(rendered, variant)
    outside = {"orchestrator", "github"}  # the LLM API and the GitHub API, over HTTPS
    for name in SERVICES:
        assert allowed(objects, pod[name], INTERNET, 443) == (name in outside), name
        assert allowed(objects, pod[name], pod["qdrant"], 6333) == (name == "rag"), name
        assert not allowed(objects, pod[name], INTERNET, 80), name
    database = [(MANAGED_POSTGRES, 5432)] if variant == MANAGED_DB else [(pod["postgres"], 5432)]
    for target, port in database:
        for name in [*SERVICES, "orders-migrate"]:
            expected = name in DATABASE_CLIENTS
            assert allowed(objects, pod[name], target, port) == expected, name
    if variant == MANAGED_DB:
        assert "postgres" not in pod


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_ingress_controller_reaches_the_gateway_and_prometheus_the_metrics(
    rendered: dict[str, list[Manifest]], variant: str
) -> None:
    objects, pod = rendered[variant], _pods(rendered, variant)
    assert allowed(objects, INGRESS_CONTROLLER, pod["gateway"], 8000)
    assert not allowed(objects, STRANGER, pod["gateway"], 8000)
    for name, port in SERVICES.items():
        assert allowed(objects, PROMETHEUS, pod[name], port), name
        if name != "gateway":
            assert not allowed(objects, INGRESS_CONTROLLER, pod[name], port), name
        for other in SERVICES:  # the services talk over NATS, never to each other
            assert not allowed(objects, pod[other], pod[name], port), (other, name)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_stores_and_the_bus_are_closed_to_everyone_else(
    rendered: dict[str, list[Manifest]], variant: str
) -> None:
    objects, pod = rendered[variant], _pods(rendered, variant)
    assert allowed(objects, KEDA, pod["nats"], 8222)
    assert allowed(objects, PROMETHEUS, pod["nats"], 8222)
    assert allowed(objects, pod["nats"], pod["nats"], 6222)  # cluster routes
    assert allowed(objects, pod["otel-collector"], pod["jaeger"], 4317)
    for intruder in (STRANGER, INGRESS_CONTROLLER, KEDA):
        assert not allowed(objects, intruder, pod["nats"], 4222)
        assert not allowed(objects, intruder, pod["qdrant"], 6333)
        assert not allowed(objects, intruder, pod["jaeger"], 4317)
        if "postgres" in pod:
            assert not allowed(objects, intruder, pod["postgres"], 5432)
    for store in (
        "nats",
        "qdrant",
        "jaeger",
        "otel-collector",
        *(["postgres"] * ("postgres" in pod)),
    ):
        assert not allowed(objects, pod[store], INTERNET, 443), store


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_default_deny_covers_every_pod(rendered: dict[str, list[Manifest]], variant: str) -> None:
    [deny] = [
        o
        for o in rendered[variant]
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "default-deny-all"
    ]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
