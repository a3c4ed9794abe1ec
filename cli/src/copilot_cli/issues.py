"""`copilot issues list`: the issues the GitHub service recorded locally instead of filing.

Without a GITHUB_TOKEN the GitHub service appends each issue to a JSON Lines file (one
object per line: recorded_at, title, body, labels, idempotency_key); this shows them."""

import argparse
import json
import os
import re
import sys
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

DEFAULT_LIMIT = 20
DRY_RUN_FILE = "github-dry-run.jsonl"
# The body ends with a hidden HTML comment (the idempotency marker); readers never see it.
_HIDDEN_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_COLUMNS = (("TIME", 16), ("TITLE", 40), ("LABELS", 20), ("FIRST LINE", 60))


@dataclass(frozen=True)
class DryRunIssue:
    recorded_at: str
    title: str
    labels: list[str]
    first_line: str
    body: str

    @classmethod
    def from_record(cls, record: object) -> "DryRunIssue":
        """The issue in one line of the file; ValueError when the line is not one."""
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        title, body, labels = record.get("title"), record.get("body", ""), record.get("labels", [])
        if not isinstance(title, str) or not isinstance(body, str):
            raise ValueError("no title or body text")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ValueError("labels are not a list of names")
        visible = _HIDDEN_COMMENT.sub("", body).strip()
        first_line = next((line.strip() for line in visible.splitlines() if line.strip()), "")
        return cls(str(record.get("recorded_at", "")), title, labels, first_line, visible)


def default_path() -> Path:
    """Where the GitHub service records issues, read the way the service reads its settings."""
    if path := _setting("GITHUB_DRY_RUN_PATH"):
        return Path(path)
    return Path(_setting("DATA_DIR") or ".data") / DRY_RUN_FILE


def _setting(name: str) -> str | None:
    # The services read the environment, then `.env`; so does this.
    if value := os.environ.get(name):
        return value
    dotenv = Path(".env")
    if not dotenv.exists():
        return None
    for line in dotenv.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == name and not key.lstrip().startswith("#"):
            return value.strip().strip("'\"") or None
    return None


def read_issues(path: Path, limit: int) -> list[DryRunIssue]:
    """The newest `limit` issues in the file, newest first; malformed lines are skipped."""
    newest: deque[DryRunIssue] = deque(maxlen=limit)
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                newest.append(DryRunIssue.from_record(json.loads(line)))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError too
                print(f"warning: skipping line {number} of {path}: {exc}", file=sys.stderr)
    return list(reversed(newest))


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _when(recorded_at: str) -> str:
    try:
        return datetime.fromisoformat(recorded_at).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return recorded_at


def format_table(issues: list[DryRunIssue]) -> str:
    rows = [[name for name, _ in _COLUMNS]]
    rows += [
        [_when(issue.recorded_at), issue.title, ", ".join(issue.labels), issue.first_line]
        for issue in issues
    ]
    return "\n".join(
        "  ".join(
            _fit(cell, width).ljust(width) for cell, (_, width) in zip(row, _COLUMNS, strict=True)
        ).rstrip()
        for row in rows
    )


def list_issues(path: Path, limit: int = DEFAULT_LIMIT, as_json: bool = False) -> int:
    if not path.exists():
        notice = (
            f"No dry-run issues recorded yet at {path} "
            "(issues go to GitHub when GITHUB_TOKEN is set)"
        )
        if as_json:
            print("[]")
        print(notice, file=sys.stderr if as_json else sys.stdout)
        return 0
    try:
        issues = read_issues(path, limit)
    except OSError as exc:
        print(f"Cannot read {path}: {exc}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps([asdict(issue) for issue in issues], indent=2, ensure_ascii=False))
    elif issues:
        print(format_table(issues))
    else:
        print(f"No dry-run issues in {path} yet.")
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    issues = commands.add_parser("issues", help="issues recorded while GitHub is not configured")
    actions = issues.add_subparsers(dest="issues_command", required=True)
    listing = actions.add_parser(
        "list",
        help="show the issues recorded in the dry-run file, newest first",
        description="Without GITHUB_TOKEN the GitHub service records issues in a JSON Lines "
        "file instead of filing them; this lists them, newest first.",
    )
    listing.add_argument(
        "--path",
        type=Path,
        help="the dry-run file (default: $GITHUB_DRY_RUN_PATH, else $DATA_DIR/"
        f"{DRY_RUN_FILE}, else .data/{DRY_RUN_FILE})",
    )
    listing.add_argument(
        "--limit", type=_positive, default=DEFAULT_LIMIT, help="how many (default: %(default)s)"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(
        func=lambda a: list_issues(a.path or default_path(), limit=a.limit, as_json=a.json)
    )
