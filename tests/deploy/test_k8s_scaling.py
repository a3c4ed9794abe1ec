"""Autoscaling in prod: the gateway on CPU, the workers on what waits for their durable
JetStream consumers (KEDA), read from the NATS monitoring endpoint in the same namespace.
The consumers are the ones the services really declare."""

import importlib
import re
from pathlib import Path

from copilot_contracts import subjects

from tests.deploy.k8s_support import ROOT, Manifest, find

STREAMS = {
    "orchestrator": {subjects.CHAT_TURNS_STREAM},
    "orders": {subjects.ACTIONS_STREAM},
    "github": {subjects.ACTIONS_STREAM},
    "rag": {subjects.RAG_REINDEX_STREAM},
    "insights": {
        subjects.INSIGHTS_STREAM,
        subjects.CHAT_EVENTS_STREAM,
        subjects.ORDER_EVENTS_STREAM,
    },
}
DURABLE = re.compile(r'durable="([^"]+)"')


def durables(service: str) -> dict[str, str | None]:
    """The durable consumers a service's code declares, with their stream where the code
    names it as data: durable="..." in a subscriber, or a (stream, subject, durable) row of
    its handlers' CONSUMERS."""
    sources = (ROOT / "services" / service / "src").rglob("*.py")
    found: dict[str, str | None] = {
        name: None for path in sources for name in DURABLE.findall(Path(path).read_text())
    }
    handlers = importlib.import_module(f"copilot_{service}.handlers")
    for stream, _, durable in getattr(handlers, "CONSUMERS", ()):
        found[durable] = stream
    return found


def test_the_gateway_scales_on_cpu(rendered: dict[str, list[Manifest]]) -> None:
    hpa = find(rendered["prod"], "HorizontalPodAutoscaler", "gateway")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "gateway",
    }
    [metric] = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] >= 2


def test_workers_scale_on_their_own_consumers_lag(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["prod"]
    namespace = find(objects, "Deployment", "orchestrator")["metadata"]["namespace"]
    endpoint = f"nats-headless.{namespace}.svc.cluster.local:8222"
    for service, streams in STREAMS.items():
        scaled = find(objects, "ScaledObject", service)["spec"]
        assert scaled["scaleTargetRef"]["name"] == service
        assert scaled["minReplicaCount"] >= 2
        lag = [t for t in scaled["triggers"] if t["type"] == "nats-jetstream"]
        declared = durables(service)
        assert {t["metadata"]["consumer"] for t in lag} == set(declared), service
        assert {t["metadata"]["stream"] for t in lag} == streams, service
        for trigger in lag:
            stream = trigger["metadata"]["stream"]
            assert declared[trigger["metadata"]["consumer"]] in {None, stream}, service
            assert trigger["metadata"]["natsServerMonitoringEndpoint"] == endpoint
            assert trigger["metadata"]["account"] == "$G"  # users without accounts
            assert int(trigger["metadata"]["lagThreshold"]) > 0
        others = {t["type"] for t in scaled["triggers"]} - {"nats-jetstream"}
        assert others == ({"cpu"} if service == "rag" else set()), service


def test_the_nats_monitoring_port_serves_the_scaler(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["prod"]
    headless = find(objects, "Service", "nats-headless")
    assert headless["spec"]["clusterIP"] == "None"
    assert 8222 in {port["port"] for port in headless["spec"]["ports"]}
    nats = find(objects, "StatefulSet", "nats")
    assert nats["spec"]["serviceName"] == "nats-headless"
    [container] = nats["spec"]["template"]["spec"]["containers"]
    [server_name] = [e for e in container["env"] if e["name"] == "SERVER_NAME"]
    assert server_name["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
