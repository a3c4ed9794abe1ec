"""Every overlay renders with kustomize, and every object is valid offline: Kubernetes kinds
against the API's schemas, KEDA and Prometheus Operator resources against their CRDs'. The
workloads are hardened, and the services get the settings, secrets and images they need."""

import copy

import pytest

from tests.deploy.k8s_schemas import problems
from tests.deploy.k8s_support import MANAGED_DB, OVERLAYS, Manifest, find

VARIANTS = [*OVERLAYS, MANAGED_DB]
SERVICES = ("gateway", "orchestrator", "rag", "orders", "github", "insights")
POD_OWNERS = {"Deployment", "StatefulSet", "Job"}


def workloads(objects: list[Manifest]) -> list[Manifest]:
    return [o for o in objects if o["kind"] in POD_OWNERS]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_rendered_object_is_valid(rendered: dict[str, list[Manifest]], variant: str) -> None:
    objects = rendered[variant]
    assert objects
    assert [message for obj in objects for message in problems(obj)] == []


def test_the_validation_catches_a_misspelt_field(rendered: dict[str, list[Manifest]]) -> None:
    """Each kind of check fails on a mistake, so the test above is not passing vacuously."""
    objects = rendered["prod"]
    deployment = copy.deepcopy(find(objects, "Deployment", "gateway"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {}}
    deployment["spec"]["replica"] = 2
    scaled = copy.deepcopy(find(objects, "ScaledObject", "orders"))
    scaled["spec"]["triggers"][0]["metdata"] = {}
    rule = copy.deepcopy(find(objects, "PrometheusRule", "coffee-copilot"))
    rule["spec"]["groups"][0]["rules"][0]["for"] = "five minutes"
    monitor = copy.deepcopy(find(objects, "ServiceMonitor", "coffee-copilot"))
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    for broken in (deployment, scaled, rule, monitor, unknown):
        assert problems(broken), broken["kind"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_is_locked_down(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    objects = rendered[overlay]
    for workload in workloads(objects):
        name, pod = workload["metadata"]["name"], workload["spec"]["template"]["spec"]
        account = find(objects, "ServiceAccount", pod["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, name
            if workload["kind"] != "Job":
                assert {"livenessProbe", "readinessProbe"} <= set(container), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_probe_health_and_readiness_and_roll_without_loss(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    for name in SERVICES:
        deployment = find(rendered[overlay], "Deployment", name)
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["startupProbe"]["httpGet"]["path"] == "/health"
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert "/tmp" in mounts, name
        if name in {"rag", "github"}:  # they write to DATA_DIR
            assert "/var/lib/copilot" in mounts, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_tag_for_the_services_and_pinned_images_for_the_rest(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    images = {
        container["image"]
        for workload in workloads(rendered[overlay])
        for container in workload["spec"]["template"]["spec"]["containers"]
    }
    ours = {image for image in images if image.startswith("ghcr.io/coffee-copilot/")}
    assert {image.split(":")[0].rsplit("/", 1)[1] for image in ours} == set(SERVICES)
    assert len({image.split(":")[1] for image in ours}) == 1, ours
    for image in images:
        _, _, tag = image.rpartition(":")
        assert "/" not in tag and tag and tag != "latest", image


def test_dev_runs_one_of_each_and_prod_autoscales(rendered: dict[str, list[Manifest]]) -> None:
    dev, prod = rendered["dev"], rendered["prod"]
    for name in SERVICES:
        assert find(dev, "Deployment", name)["spec"]["replicas"] == 1
        # Autoscaled: applying the manifests again must not reset the replica count.
        assert "replicas" not in find(prod, "Deployment", name)["spec"]
    kinds = {o["kind"] for o in dev}
    assert not kinds & {"HorizontalPodAutoscaler", "ScaledObject", "PodDisruptionBudget"}
    assert find(dev, "StatefulSet", "nats")["spec"]["replicas"] == 1
    assert find(prod, "StatefulSet", "nats")["spec"]["replicas"] == 3
    budgets = [o for o in prod if o["kind"] == "PodDisruptionBudget"]
    guarded = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for b in budgets}
    assert guarded == {*SERVICES, "nats"}


def test_the_gateway_ingress_has_tls_and_routes_only_public_paths(
    rendered: dict[str, list[Manifest]],
) -> None:
    from copilot_gateway.routes.widget_assets import LOADER, MODULES

    for overlay in OVERLAYS:
        ingress = find(rendered[overlay], "Ingress", "gateway")
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        [rule] = ingress["spec"]["rules"]
        [tls] = ingress["spec"]["tls"]
        assert tls["hosts"] == [rule["host"]] and tls["secretName"]
        paths = {path["path"] for path in rule["http"]["paths"]}
        assert paths == {"/", "/api", "/v1", *(f"/{name}" for name in (LOADER, *MODULES))}
        backends = {path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
        assert backends == {"gateway"}
