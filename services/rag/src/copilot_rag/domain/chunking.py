"""Split a document along its headings into passages that know where they come from."""

import re
from dataclasses import dataclass

from copilot_rag.domain.documents import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    index: int
    title: str
    url: str
    category: str
    heading_path: tuple[str, ...]
    text: str


def slugify(heading: str) -> str:
    slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip()
    return re.sub(r"[\s_]+", "-", slug)


def _sections(body: str) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, section text) for each heading's own text, in order."""
    sections: list[tuple[tuple[str, ...], str]] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append((tuple(h for _, h in path), text))
        lines.clear()

    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path[:] = [(lvl, h) for lvl, h in path if lvl < level]
            path.append((level, match.group(2)))
        else:
            lines.append(line)
    flush()
    return sections


def _windows(text: str, max_chars: int, overlap: int) -> list[str]:
    """Cut a long section at paragraph or sentence ends, repeating `overlap` chars."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            cut = max(text.rfind("\n\n", start, end), text.rfind(". ", start, end))
            if cut > start + max_chars // 2:
                end = cut + 1
        pieces.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
    return [p for p in pieces if p]


def chunk_document(doc: Document, max_chars: int = 1200, overlap: int = 150) -> list[Chunk]:
    chunks: list[Chunk] = []
    for heading_path, text in _sections(doc.body):
        # The page title is the top heading; keep only the headings below it in the path.
        path = heading_path[1:] if heading_path and heading_path[0] == doc.title else heading_path
        anchor = f"#{slugify(path[-1])}" if path else ""
        for piece in _windows(text, max_chars, overlap):
            chunks.append(
                Chunk(
                    doc_id=doc.doc_id,
                    index=len(chunks),
                    title=doc.title,
                    url=f"{doc.url}{anchor}" if doc.url else "",
                    category=doc.category,
                    heading_path=path,
                    text=piece,
                )
            )
    return chunks
