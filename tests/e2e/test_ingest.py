"""`copilot ingest` re-indexes through the running RAG service; the chat then cites the page."""

import subprocess
from pathlib import Path

import httpx

from tests.e2e.conftest import RunningSystem

PAGE = """---
title: Tasting Flights at the Roastery
url: https://emberandoak.example/docs/tasting-flights
category: cafe
---

# Tasting Flights at the Roastery

## What a flight is

A tasting flight is three small cups of single-origin espresso served side by side on a
walnut board, so you can compare the Ethiopia, Colombia and Sumatra roasts.

## Booking

Flights run on Saturdays at 11:00 and cost $12. Book at the counter; no reservation needed.
"""


def ingest(system: RunningSystem, *args: str) -> subprocess.CompletedProcess[str]:
    return system.copilot("ingest", *args, timeout=120)


def test_ingest_reports_progress_and_the_chat_cites_the_new_page(
    system: RunningSystem, tmp_path: Path
) -> None:
    docs = tmp_path / "extra-docs"
    docs.mkdir()
    (docs / "tasting-flights.md").write_text(PAGE)
    (docs / "notes.txt").write_bytes(b"\x00\x01binary")

    done = ingest(system, str(docs), "--name", "extra")
    assert done.returncode == 0, done.stderr
    assert "skipped notes.txt: binary content" in done.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 removed, 1 skipped" in done.stderr

    again = ingest(system, str(docs), "--name", "extra")
    assert "0 added, 0 updated, 1 unchanged" in again.stderr

    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "When do the espresso tasting flights run?")
    citations = [data for event, data in events if event == "citation"]
    assert any("tasting-flights" in str(c["url"]) for c in citations), citations


def test_ingest_of_a_missing_path_fails_clearly(system: RunningSystem, tmp_path: Path) -> None:
    done = ingest(system, str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert "source_not_found" in done.stderr
