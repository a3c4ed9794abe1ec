"""Source documents: Markdown, HTML and plain-text pages turned into Markdown-headed bodies."""

import hashlib
import re
from dataclasses import dataclass

import yaml

from copilot_rag.domain.html_text import extract_html

TITLE_MAX_CHARS = 120

# A line the chunker would take for a heading (see chunking._HEADING).
_HEADING_LIKE = re.compile(r"^#{1,6}\s")


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
        content_hash=_sha256(text),
    )


def parse_html(doc_id: str, html: str, url: str = "") -> Document:
    """An HTML page; its `<h1>` to `<h6>` become Markdown headings, boilerplate is dropped."""
    page = extract_html(html)
    if not page.body.strip():
        raise DocumentError(f"{doc_id}: no text in the HTML page")
    title = page.title or doc_id
    body = page.body if _first_heading(page.body) else f"# {title}\n\n{page.body}"
    return Document(
        doc_id=doc_id,
        title=title,
        url=url or page.canonical_url,
        category=page.category or "general",
        body=body,
        content_hash=_sha256(html),
    )


def parse_text(doc_id: str, text: str, url: str = "", *, title: str | None = None) -> Document:
    """Plain text, titled by its first non-empty line (or by `title`, e.g. a PDF's metadata).

    Plain text has no headings: lines that look like Markdown headings are escaped so the
    chunker does not split on them.
    """
    lines = [line.rstrip() for line in text.splitlines()]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DocumentError(f"{doc_id}: no content")
    rest = [_escape_heading(line) for line in lines[first + 1 :]]
    first_line = lines[first].strip()
    if title and title.strip():
        heading = _trim_title(title)
        rest.insert(0, _escape_heading(first_line))
    else:
        heading = _trim_title(first_line)
        if heading != first_line:  # keep the words the title cut off
            rest.insert(0, _escape_heading(first_line))
    body = "\n".join([f"# {heading}", "", *rest]).rstrip() + "\n"
    return Document(
        doc_id=doc_id,
        title=heading,
        url=url,
        category="general",
        body=body,
        content_hash=_sha256(text),
    )


def _trim_title(line: str) -> str:
    line = " ".join(line.split()).lstrip("#").strip() or line.strip()
    if len(line) <= TITLE_MAX_CHARS:
        return line
    cut = line.rfind(" ", 0, TITLE_MAX_CHARS + 1)
    return line[: cut if cut > TITLE_MAX_CHARS // 2 else TITLE_MAX_CHARS].rstrip()


def _escape_heading(line: str) -> str:
    return "\\" + line if _HEADING_LIKE.match(line) else line


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def _sha256(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()
