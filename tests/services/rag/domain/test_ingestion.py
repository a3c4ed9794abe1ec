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
