"""The checks of `make audit`: bandit finds nothing of weight in the sources, and the locked
dependencies have no known vulnerabilities (when a vulnerability service can be asked)."""

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *sorted(ROOT.glob("services/*/src")),
    *sorted(ROOT.glob("libs/*/src")),
    ROOT / "cli" / "src",
]


def test_bandit_finds_nothing_of_medium_or_high_severity() -> None:
    bandit = [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-q", "-f", "json", "-r"]
    scan = subprocess.run(
        [*bandit, *map(str, SOURCES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(scan.stdout)
    assert not report["errors"], report["errors"]
    assert report["metrics"]["_totals"]["loc"] > 1000, "the sources were scanned"
    serious = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in {"MEDIUM", "HIGH"}
    ]
    assert not serious, "\n".join(serious)


def pypi_vulnerability_lookup_answers() -> str | None:
    """Why pip-audit cannot look anything up from here, or None when it can."""
    probe = f"https://pypi.org/pypi/pip-audit/{version('pip-audit')}/json"
    try:
        answer = httpx.get(probe, timeout=5)
    except httpx.HTTPError as exc:
        return f"PyPI's JSON API does not answer ({type(exc).__name__})"
    if answer.status_code != 200:
        return f"PyPI's JSON API answers {answer.status_code} for {probe}"
    return None


def test_locked_dependencies_have_no_known_vulnerabilities(tmp_path: Path) -> None:
    if (unreachable := pypi_vulnerability_lookup_answers()) is not None:
        pytest.skip(f"pip-audit cannot look up vulnerabilities here: {unreachable}")
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: the locked dependencies cannot be exported")
    locked = tmp_path / "requirements.txt"
    export = [uv, "export", "--frozen", "--no-hashes", "--all-packages", "--no-emit-workspace"]
    subprocess.run(
        [*export, "--quiet", "-o", str(locked)],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    pip_audit = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--strict"]
    audit = subprocess.run(
        [*pip_audit, "--progress-spinner", "off", "-r", str(locked)],
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
