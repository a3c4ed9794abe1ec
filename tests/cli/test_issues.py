"""`copilot issues list` reads the GitHub service's dry-run file."""

import argparse
import json
from pathlib import Path

import pytest
from copilot_cli.issues import default_path, list_issues, register

MARKER = "<!-- coffee-copilot idempotency-key: conv:call_{n} -->"


def record(n: int, title: str, labels: list[str]) -> str:
    body = (
        f"Report number {n}: the checkout button does nothing.\nMore detail.\n\n---\n"
        f"Filed by Coffee Copilot from conversation `{'c' * 32}`.\n{MARKER.format(n=n)}\n"
    )
    return json.dumps(
        {
            "recorded_at": f"2025-03-0{n}T09:1{n}:00.123456+00:00",
            "title": title,
            "body": body,
            "labels": labels,
            "idempotency_key": f"conv:call_{n}",
        }
    )


@pytest.fixture
def dry_run_file(tmp_path: Path) -> Path:
    path = tmp_path / "github-dry-run.jsonl"
    lines = [
        record(1, "Checkout fails on mobile", ["bug", "copilot"]),
        "{not json",
        record(2, "Menu page typo", ["copilot", "feedback"]),
        '["a list, not an issue"]',
        "",
        record(3, "Slow shop", ["copilot"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="copilot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_lists_the_newest_first_without_the_marker(
    dry_run_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["issues", "list", "--path", str(dry_run_file)]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["TIME", "TITLE", "LABELS", "FIRST", "LINE"]
    assert [row.split("  ")[1].strip() for row in rows] == [
        "Slow shop",
        "Menu page typo",
        "Checkout fails on mobile",
    ]
    assert rows[0].startswith("2025-03-03 09:13")
    assert "copilot, feedback" in rows[1]
    assert "Report number 3: the checkout button does nothing." in rows[0]
    assert "idempotency-key" not in out and "More detail" not in out


def test_malformed_lines_are_skipped_with_a_warning(
    dry_run_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert list_issues(dry_run_file) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 4
    assert f"skipping line 2 of {dry_run_file}" in err
    assert f"skipping line 4 of {dry_run_file}: not a JSON object" in err


def test_the_limit_keeps_the_newest(dry_run_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["issues", "list", "--path", str(dry_run_file), "--limit", "2", "--json"]) == 0
    issues = json.loads(capsys.readouterr().out)
    assert [issue["title"] for issue in issues] == ["Slow shop", "Menu page typo"]


def test_json_output(dry_run_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert list_issues(dry_run_file, as_json=True) == 0
    newest = json.loads(capsys.readouterr().out)[0]
    assert newest["recorded_at"] == "2025-03-03T09:13:00.123456+00:00"
    assert newest["title"] == "Slow shop"
    assert newest["labels"] == ["copilot"]
    assert newest["first_line"] == "Report number 3: the checkout button does nothing."
    assert "idempotency-key" not in newest["body"] and "More detail." in newest["body"]


def test_a_missing_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.jsonl"
    assert list_issues(missing) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == (
        f"No dry-run issues recorded yet at {missing} "
        "(issues go to GitHub when GITHUB_TOKEN is set)"
    )
    assert list_issues(missing, as_json=True) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == [] and "No dry-run issues recorded yet" in err


def test_an_empty_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert list_issues(empty) == 0
    assert "No dry-run issues in" in capsys.readouterr().out


def test_the_limit_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["issues", "list", "--limit", "0"])
    assert "must be at least 1" in capsys.readouterr().err


def test_the_default_path_follows_the_service_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_DRY_RUN_PATH", raising=False)
    monkeypatch.delenv("DATA_DIR", raising=False)
    assert default_path() == Path(".data/github-dry-run.jsonl")
    (tmp_path / ".env").write_text("# local settings\nDATA_DIR='/srv/copilot'\n")
    assert default_path() == Path("/srv/copilot/github-dry-run.jsonl")
    monkeypatch.setenv("DATA_DIR", "/var/data")
    assert default_path() == Path("/var/data/github-dry-run.jsonl")
    monkeypatch.setenv("GITHUB_DRY_RUN_PATH", "/tmp/issues.jsonl")
    assert default_path() == Path("/tmp/issues.jsonl")
