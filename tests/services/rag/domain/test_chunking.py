import pytest
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.domain.chunking import chunk_document, slugify
from copilot_rag.domain.documents import DocumentError, parse_markdown

PAGE = """---
title: Brewing Guide
url: https://example.test/docs/brewing
category: brewing
---
# Brewing Guide

Intro text about brewing.

## Pour-over

### Ratio
Use 1:16 coffee to water.

## French press
Steep for four minutes.
"""


def test_front_matter_and_body_are_read() -> None:
    doc = parse_markdown("brewing", PAGE)
    assert (doc.title, doc.url, doc.category) == (
        "Brewing Guide",
        "https://example.test/docs/brewing",
        "brewing",
    )
    assert doc.body.startswith("# Brewing Guide")
    assert len(doc.content_hash) == 64


def test_chunks_follow_headings_and_know_their_place() -> None:
    chunks = chunk_document(parse_markdown("brewing", PAGE))
    by_text = {c.text: c for c in chunks}
    ratio = by_text["Use 1:16 coffee to water."]
    assert ratio.heading_path == ("Pour-over", "Ratio")
    assert ratio.url == "https://example.test/docs/brewing#ratio"
    assert by_text["Intro text about brewing."].heading_path == ()
    assert by_text["Steep for four minutes."].url.endswith("#french-press")
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_long_sections_are_split_with_overlap() -> None:
    sentences = " ".join(f"Sentence number {i} talks about coffee." for i in range(200))
    doc = parse_markdown("long", f"# Long\n\n## Part\n{sentences}\n")
    chunks = chunk_document(doc, max_chars=500, overlap=100)
    assert len(chunks) > 5
    assert all(len(c.text) <= 500 for c in chunks)
    assert chunks[0].text[-60:].split()[-1] in chunks[1].text  # the cut repeats a little


@pytest.mark.parametrize("text", ["", "---\ntitle: x\n---\n\n   \n", "---\ntitle: x\nno end"])
def test_unusable_pages_are_refused(text: str) -> None:
    with pytest.raises(DocumentError):
        parse_markdown("bad", text)


def test_slugify() -> None:
    assert slugify("Keep it at room temperature!") == "keep-it-at-room-temperature"


def test_bundled_docs_all_parse_with_titles_and_urls() -> None:
    report = load_path(BUNDLED_DOCS)
    docs = report.documents
    assert report.skipped == []
    assert len(docs) >= 25
    assert all(d.title and d.url.startswith("https://") for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)
