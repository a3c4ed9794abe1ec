"""The rendered configuration is one the services accept: each one's settings load from its
container's environment (ConfigMap, values, Secret), every variable is documented in
.env.example, secrets exist where referenced and are never committed, NATS's configuration
passes nats-server's own check, and the migration runs as a Job."""

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from copilot_cli.nats_server import server_binary

from tests.deploy.k8s_support import K8S, OVERLAYS, ROOT, Manifest, find, named

SETTINGS = {
    "gateway": "copilot_gateway.config:GatewaySettings",
    "orchestrator": "copilot_orchestrator.config:OrchestratorSettings",
    "rag": "copilot_rag.config:RagSettings",
    "orders": "copilot_orders.config:OrdersSettings",
    "github": "copilot_github.config:GithubSettings",
    "insights": "copilot_insights.config:InsightsSettings",
    "orders-migrate": "copilot_orders.config:OrdersSettings",
}
PORTS = {
    "gateway": 8000,
    "orchestrator": 8001,
    "rag": 8002,
    "orders": 8003,
    "github": 8004,
    "insights": 8005,
}
LOAD_SETTINGS = """
import importlib, json, os, sys
for target, env in json.load(sys.stdin):
    module, _, name = target.partition(":")
    os.environ.clear()
    os.environ.update(env)
    settings = getattr(importlib.import_module(module), name)()
    print(target, settings.app_env, getattr(settings, "port", ""))
"""


def container_env(objects: list[Manifest], workload: Manifest) -> dict[str, str]:
    """The environment the workload's first container starts with."""
    [container, *_] = workload["spec"]["template"]["spec"]["containers"]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(find(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif reference := variable["valueFrom"].get("secretKeyRef"):
            data = find(objects, "Secret", reference["name"])["data"]
            env[variable["name"]] = base64.b64decode(data[reference["key"]]).decode()
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_accept_their_rendered_settings(
    rendered: dict[str, list[Manifest]], overlay: str, tmp_path: Path
) -> None:
    objects = rendered[overlay]
    cases = [
        (
            target,
            container_env(objects, find(objects, "Job" if "-" in name else "Deployment", name)),
        )
        for name, target in SETTINGS.items()
    ]
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env here
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    expected_env = "development" if overlay == "dev" else "production"
    lines = loaded.stdout.split("\n")
    assert all(expected_env in line for line in lines if line), lines
    for name, port in PORTS.items():
        [container] = find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert container["ports"][0]["containerPort"] == port
        assert f"{SETTINGS[name]} {expected_env} {port}" in lines
        assert container_env(objects, find(objects, "Deployment", name))["NATS_USER"] == name


def test_every_variable_is_one_env_example_documents(rendered: dict[str, list[Manifest]]) -> None:
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    for overlay in OVERLAYS:
        objects = rendered[overlay]
        for name in SETTINGS:
            kind = "Job" if "-" in name else "Deployment"
            variables = set(container_env(objects, find(objects, kind, name)))
            assert variables - documented - {"HOST", "PORT"} == set(), (overlay, name)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_referenced_secret_key_exists(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    objects = rendered[overlay]
    secret = named(objects, "Secret", "copilot-secrets")
    for workload in (o for o in objects if o["kind"] in {"Deployment", "StatefulSet", "Job"}):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    assert reference["name"] == secret["metadata"]["name"]
                    assert reference["key"] in secret["data"], workload["metadata"]["name"]


def test_no_secret_value_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "deploy/k8s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [path for path in tracked if path.endswith("secrets.env")]
    for path in tracked:
        if path.endswith((".yaml", ".yml")):
            assert "kind: Secret" not in (ROOT / path).read_text(), path
    for overlay in OVERLAYS:
        for line in (K8S / "overlays" / overlay / "secrets.env.example").read_text().splitlines():
            if line and not line.startswith("#"):
                value = line.split("=", 1)[1]
                assert value in {"", "<generated>", "<required>"} or "${" in value, line


def test_the_nats_configuration_passes_nats_servers_check(
    rendered: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    """Laid out as the StatefulSet mounts it: the configuration in /etc/nats/config, and
    deploy/nats/authorization.conf itself in /etc/nats/auth."""
    shipped = (ROOT / "deploy" / "nats" / "authorization.conf").read_text()
    for overlay, servers in (("dev", 1), ("prod", 3)):
        objects = rendered[overlay]
        config = named(objects, "ConfigMap", "nats-config")["data"]
        authorization = named(objects, "ConfigMap", "nats-authorization")["data"]
        assert authorization == {"authorization.conf": shipped}
        assert "sync_interval: always" in config["nats.conf"]
        assert ("cluster {" in config["nats.conf"]) == (servers > 1)
        copilot_config = named(objects, "ConfigMap", "copilot-config")["data"]
        assert copilot_config["NATS_STREAM_REPLICAS"] == str(servers)
        nats = find(objects, "StatefulSet", "nats")
        assert nats["spec"]["replicas"] == servers
        mounts = {
            volume["name"]: volume["configMap"]["name"]
            for volume in nats["spec"]["template"]["spec"]["volumes"]
            if "configMap" in volume
        }
        [container] = nats["spec"]["template"]["spec"]["containers"]
        for mount in container["volumeMounts"]:
            if mount["name"] in mounts:
                folder = tmp_path / overlay / mount["mountPath"].lstrip("/")
                folder.mkdir(parents=True)
                for file_name, text in find(objects, "ConfigMap", mounts[mount["name"]])[
                    "data"
                ].items():
                    (folder / file_name).write_text(text)
        configuration = tmp_path / overlay / container["args"][-1].lstrip("/")
        checked = subprocess.run(
            [server_binary(), "-t", "-c", str(configuration)],
            env={**container_env(objects, nats), "SERVER_NAME": "nats-0"},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_once_as_a_job(rendered: dict[str, list[Manifest]], overlay: str) -> None:
    objects = rendered[overlay]
    job = find(objects, "Job", "orders-migrate")["spec"]["template"]["spec"]
    orders = find(objects, "Deployment", "orders")["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["copilot-orders-migrate"]
    assert job["containers"][0]["image"] == orders["containers"][0]["image"]
    assert job["restartPolicy"] == "Never"
    assert named(objects, "ConfigMap", "copilot-config")["data"]["MIGRATE_ON_START"] == "false"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_in_cluster_postgres_creates_the_insights_database(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    """The orders' and the insights' databases are on one server: the image's init scripts
    (run when its volume is new) create the one INSIGHTS_DATABASE_URL names."""
    objects = rendered[overlay]
    env = container_env(objects, find(objects, "Deployment", "insights"))
    url = urlsplit(env["INSIGHTS_DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg" and url.hostname == "postgres"
    database = url.path.lstrip("/")
    orders = container_env(objects, find(objects, "Deployment", "orders"))
    assert database != urlsplit(orders["DATABASE_URL"]).path.lstrip("/")
    postgres = find(objects, "StatefulSet", "postgres")["spec"]["template"]["spec"]
    [container] = postgres["containers"]
    initdb = "/docker-entrypoint-initdb.d"
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == initdb]
    [volume] = [v for v in postgres["volumes"] if v["name"] == mount["name"]]
    scripts = find(objects, "ConfigMap", volume["configMap"]["name"])["data"]
    statements = " ".join(text for name, text in scripts.items() if name.endswith(".sql"))
    assert re.search(rf"^CREATE DATABASE {database};$", statements, re.MULTILINE)
