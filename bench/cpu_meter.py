"""CPU time each process spent on a phase, per answered turn: where a turn's work goes, and
what a 2-core machine can sustain. Read from /proc (Linux); elsewhere there is no figure."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cpu_seconds(pid: int) -> float | None:
    """User and system time of a process so far, or None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    def __init__(self, pids: dict[str, int], this_process: str) -> None:
        """`pids`: other processes by name; `this_process`: what this one is called."""
        self.pids = pids
        self.this_process = this_process
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {self.this_process: time.process_time()}
        for name, pid in self.pids.items():
            if (seconds := cpu_seconds(pid)) is not None:
                now[name] = seconds
        return now

    @contextmanager
    def measuring(self) -> Iterator["CpuMeter"]:
        before = self._now()
        yield self
        after = self._now()
        self.spent = {name: after[name] - before[name] for name in before if name in after}

    def per_turn_ms(self, turns: int) -> dict[str, float]:
        if not turns or len(self.spent) <= 1:
            return {}
        figures = {name: round(s * 1000 / turns, 1) for name, s in self.spent.items()}
        figures["total"] = round(sum(self.spent.values()) * 1000 / turns, 1)
        return figures
