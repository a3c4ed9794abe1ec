"""Incremental ingestion: only new and changed documents are embedded; gone ones removed."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.domain.ingestion import ingest

from tests.services.rag.conftest import CountingEmbedder


@pytest.fixture
async def index(tmp_path: Path, embedder: CountingEmbedder) -> AsyncIterator[QdrantDocsIndex]:
    client = open_client(None, None, str(tmp_path / "qdrant"))
    docs_index = QdrantDocsIndex(client, "docs", server=False)
    await docs_index.prepare(embedder.name, embedder.dimensions)
    yield docs_index
    await client.close()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("storing-coffee-beans", "cold-brew-guide", "returns-and-refunds"):
        (folder / f"{name}.md").write_text((BUNDLED_DOCS / f"{name}.md").read_text())
    return folder


async def test_editing_one_doc_re_embeds_only_that_doc(
    index: QdrantDocsIndex, embedder: CountingEmbedder, docs: Path
) -> None:
    first = await ingest(index, embedder, load_path(docs).documents, "site")
    assert sorted(first.added) == ["cold-brew-guide", "returns-and-refunds", "storing-coffee-beans"]
    points_before = await index.count()

    page = docs / "cold-brew-guide.md"
    page.write_text(page.read_text() + "\n## Serving\n\nServe over ice with a splash of milk.\n")
    embedder.documents_embedded.clear()
    second = await ingest(index, embedder, load_path(docs).documents, "site")

    assert second.updated == ["cold-brew-guide"] and second.added == []
    assert second.unchanged == 2
    assert embedder.documents_embedded, "the edited page was embedded again"
    assert all(t.startswith("How to Make Cold Brew") for t in embedder.documents_embedded)
    assert await index.count() == points_before + 1


async def test_nothing_changed_embeds_nothing(
    index: QdrantDocsIndex, embedder: CountingEmbedder, docs: Path
) -> None:
    await ingest(index, embedder, load_path(docs).documents, "site")
    embedder.documents_embedded.clear()
    again = await ingest(index, embedder, load_path(docs).documents, "site")
    assert again.unchanged == 3 and again.chunks_embedded == 0
    assert embedder.documents_embedded == []


async def test_a_deleted_doc_leaves_the_index_but_other_sources_stay(
    index: QdrantDocsIndex, embedder: CountingEmbedder, docs: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "faq.md").write_text((BUNDLED_DOCS / "faq.md").read_text())
    await ingest(index, embedder, load_path(other).documents, "other-site")
    await ingest(index, embedder, load_path(docs).documents, "site")

    (docs / "returns-and-refunds.md").unlink()
    report = await ingest(index, embedder, load_path(docs).documents, "site")

    assert report.removed == ["returns-and-refunds"]
    assert set(await index.document_hashes("site")) == {"cold-brew-guide", "storing-coffee-beans"}
    assert set(await index.document_hashes("other-site")) == {"faq"}


async def test_a_page_that_fails_to_load_keeps_its_indexed_version(
    index: QdrantDocsIndex, embedder: CountingEmbedder, docs: Path
) -> None:
    await ingest(index, embedder, load_path(docs).documents, "site")
    (docs / "cold-brew-guide.md").write_bytes(b"\xff\xfe not utf-8")
    loaded = load_path(docs)
    assert [s.doc_id for s in loaded.skipped] == ["cold-brew-guide"]
    kept = frozenset(s.doc_id for s in loaded.skipped if s.doc_id)
    report = await ingest(index, embedder, loaded.documents, "site", keep=kept)
    assert report.removed == []
    assert "cold-brew-guide" in await index.document_hashes("site")


async def test_the_same_page_name_in_two_sources_stays_apart(
    index: QdrantDocsIndex, embedder: CountingEmbedder, docs: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "cold-brew-guide.md").write_text((BUNDLED_DOCS / "faq.md").read_text())
    await ingest(index, embedder, load_path(docs).documents, "site")
    before = await index.count()
    await ingest(index, embedder, load_path(twin).documents, "twin")
    again = await ingest(index, embedder, load_path(docs).documents, "site")
    assert again.unchanged == 3 and again.added == [], "the twin did not replace the page"
    (twin / "cold-brew-guide.md").unlink()
    await ingest(index, embedder, load_path(twin).documents, "twin")
    assert await index.count() == before
    assert "cold-brew-guide" in await index.document_hashes("site")


async def test_a_page_with_no_text_is_reported_not_indexed(
    index: QdrantDocsIndex, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    folder = tmp_path / "headings-only"
    folder.mkdir()
    (folder / "empty.md").write_text("# Just a title\n\n## And a heading\n")
    report = await ingest(index, embedder, load_path(folder).documents, "bare")
    assert report.no_text == ["empty"] and report.added == []
    assert await index.count() == 0
