"""Source documents: Markdown pages with a small front matter block."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml


class DocumentError(ValueError):
    """A file that cannot be indexed (empty, not text, missing title)."""


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    url: str
    category: str
    body: str
    content_hash: str


def parse_markdown(doc_id: str, text: str) -> Document:
    front: dict[str, object] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end == -1:
            raise DocumentError(f"{doc_id}: front matter is not closed")
        loaded = yaml.safe_load(text[4:end]) or {}
        if not isinstance(loaded, dict):
            raise DocumentError(f"{doc_id}: front matter is not a mapping")
        front = loaded
        body = text[end + 4 :].lstrip("\n")
    if not body.strip():
        raise DocumentError(f"{doc_id}: no content")
    title = str(front.get("title") or _first_heading(body) or doc_id)
    return Document(
        doc_id=doc_id,
        title=title,
        url=str(front.get("url") or ""),
        category=str(front.get("category") or "general"),
        body=body,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def load_directory(path: Path) -> list[Document]:
    """Every Markdown page under `path`, ordered by name; ids are paths relative to it."""
    documents = []
    for file in sorted(path.rglob("*.md")):
        doc_id = file.relative_to(path).with_suffix("").as_posix()
        documents.append(parse_markdown(doc_id, file.read_text(encoding="utf-8")))
    return documents
