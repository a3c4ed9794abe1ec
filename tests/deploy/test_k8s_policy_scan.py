"""A policy scan of the rendered manifests with checkov (its Kubernetes checks): nothing
fails, and every skipped check is one of the reviewed exceptions below, with its reason
written on the object (a checkov.io/skipN annotation). The report is kept in
tests/artifacts/checkov-k8s.json.

checkov runs in an environment of its own (`uv tool run`, pinned), not in the project's:
its dependencies would pin older versions of the project's own (packaging, pytest)."""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import yaml

from tests.deploy.k8s_support import ROOT, Manifest, unavailable

CHECKOV = "checkov==3.3.30"
REPORT = ROOT / "tests" / "artifacts" / "checkov-k8s.json"
# Reviewed exceptions; the annotation on each object says why it applies there.
ACCEPTED_SKIPS = {
    # Secrets as environment variables: the services (pydantic-settings), nats-server,
    # Qdrant and PostgreSQL read their secrets from the environment only.
    "CKV_K8S_35",
    # Images by digest: tags are set per release with kustomize `images:`.
    "CKV_K8S_43",
    # A UID of 10000 or more: Qdrant's unprivileged image is built for uid 1000.
    "CKV_K8S_40",
}


def _uv() -> list[str]:
    if configured := os.environ.get("UV"):
        return shlex.split(configured)
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def scan(folder: Path) -> dict[str, Any]:
    command = [*_uv(), "tool", "run", "--python", sys.executable, "--from", CHECKOV, "checkov"]
    options = ["--framework", "kubernetes", "--skip-download", "--output", "json"]
    try:
        ran = subprocess.run(
            [*command, "--directory", str(folder), *options],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        )
    except FileNotFoundError:
        unavailable("uv is needed to run checkov")
    if not ran.stdout.lstrip().startswith(("{", "[")):
        unavailable(f"checkov could not be installed or run: {ran.stderr.strip()[-500:]}")
    report = json.loads(ran.stdout)
    return cast(dict[str, Any], report[0] if isinstance(report, list) else report)


def test_checkov_passes_every_kubernetes_check(
    rendered: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    for variant, objects in rendered.items():
        (tmp_path / f"{variant}.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    report = scan(tmp_path)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2))
    summary, results = report["summary"], report["results"]
    failed = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for check in results.get("failed_checks", [])
    ]
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 1000  # the checks ran over every object
    for check in results.get("skipped_checks", []):
        assert check["check_id"] in ACCEPTED_SKIPS, check["check_id"]
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason) > 20, f"{check['check_id']} on {check['resource']}: no reason"
