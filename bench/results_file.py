"""Where benchmark and evaluation runs write their figures, with the machine they ran on."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def write_results(name: str, started: datetime, figures: dict[str, Any]) -> Path:
    """bench/results/<name>-<date>.json: the figures, the machine and the run's times."""
    record = {
        **figures,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps(record, indent=2))
    return out
