"""Where benchmark and evaluation runs write their figures, with the machine they ran on."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_results(
    name: str, started: datetime, figures: dict[str, Any], folder: Path = RESULTS
) -> Path:
    """<folder>/<name>-<date>.json (bench/results by default): the figures, the machine and
    the run's times."""
    record = {
        **figures,
        "machine": machine(),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps(record, indent=2))
    return out
