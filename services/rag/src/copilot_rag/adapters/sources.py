"""Read documents from a directory or a list of URLs, reporting what cannot be used.

One bad file or URL never stops a run: it is recorded in `LoadReport.skipped` with a short
reason for the operator, and the rest is loaded.
"""

import codecs
import hashlib
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit

import httpx
from pypdf import PdfReader

from copilot_rag.domain.documents import (
    Document,
    DocumentError,
    parse_html,
    parse_markdown,
    parse_text,
)

Format = Literal["markdown", "html", "text", "pdf"]

FORMATS_BY_SUFFIX: dict[str, Format] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".pdf": "pdf",
}
FORMATS_BY_CONTENT_TYPE: dict[str, Format] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/pdf": "pdf",
}
DEFAULT_MAX_BYTES = 5_000_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str
    doc_id: str | None = None
    """The id the item would have had: its indexed version is kept, not removed."""


@dataclass
class LoadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class _Unusable(Exception):
    """A source that cannot be indexed; the message is the reason shown to the operator."""


def load_path(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, on_progress: Progress | None = None
) -> LoadReport:
    """A file, or every supported file under a directory (hidden ones excepted), by name.

    Ids are the paths relative to the directory without their suffix (a lone file: its stem).
    Files of other types are left out without being reported, unless `path` names one.
    """
    root = path.resolve()
    if path.is_dir():
        files = [(file, file.relative_to(path)) for file in _walk(path)]
    elif path.is_file():
        files = [(path, Path(path.name))]
    else:
        raise FileNotFoundError(f"no such file or directory: {path}")
    report = LoadReport()
    owners: dict[str, str] = {}
    for file, relative in files:
        name = relative.as_posix()
        fmt = FORMATS_BY_SUFFIX.get(file.suffix.lower())
        if fmt is None:
            report.skipped.append(Skipped(name, f"unsupported file type {file.suffix!r}"))
            continue
        if on_progress:
            on_progress(name)
        doc_id = relative.with_suffix("").as_posix()
        try:
            if doc_id in owners:
                raise _Unusable(f"same id as {owners[doc_id]}")
            if path.is_dir() and not file.resolve().is_relative_to(root):
                raise _Unusable("a link to a file outside the source folder")
            size = file.stat().st_size
            if size > max_bytes:
                raise _Unusable(f"too large: {size} bytes")
            report.documents.append(_parse(fmt, doc_id, file.read_bytes()))
            owners[doc_id] = name
        except OSError as exc:
            report.skipped.append(Skipped(name, f"unreadable: {exc.strerror or exc}", doc_id))
        except (_Unusable, DocumentError) as exc:
            report.skipped.append(Skipped(name, str(exc), doc_id))
    return report


def _walk(root: Path) -> list[Path]:
    """Supported files under `root`, skipping hidden files and directories, sorted by path."""
    found = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        found += [
            Path(directory, name)
            for name in names
            if not name.startswith(".") and Path(name).suffix.lower() in FORMATS_BY_SUFFIX
        ]
    return sorted(found, key=lambda file: file.relative_to(root).as_posix())


def load_url_list(
    list_file: Path,
    client: httpx.Client,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_progress: Progress | None = None,
    deadline_s: float = 60.0,
) -> LoadReport:
    """Fetch every http(s) URL listed in `list_file`, one per line (`#` starts a comment).

    Each document's id and url are its URL as listed. Redirects are followed only if
    `client` is configured to follow them. A URL not read within `deadline_s` is skipped.
    """
    report = LoadReport()
    seen: set[str] = set()
    for line in list_file.read_text(encoding="utf-8").splitlines():
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        if on_progress:
            on_progress(url)
        try:
            if url in seen:
                raise _Unusable("listed more than once")
            seen.add(url)
            report.documents.append(_fetch(client, url, max_bytes, deadline_s))
        except (_Unusable, DocumentError) as exc:
            report.skipped.append(Skipped(url, str(exc), url))
    return report


def _fetch(client: httpx.Client, url: str, max_bytes: int, deadline_s: float) -> Document:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _Unusable("not an http(s) URL")
    try:
        with client.stream("GET", url) as response:
            if not response.is_success:
                raise _Unusable(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            fmt = _format_of(response.headers.get("content-type", ""), parts.path)
            data = _read_limited(response, max_bytes, time.monotonic() + deadline_s)
            encoding = response.charset_encoding or "utf-8"
    except httpx.TimeoutException as exc:
        raise _Unusable("timed out") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise _Unusable(f"request failed: {_describe(exc)}") from exc
    return _parse(fmt, url, data, url=url, encoding=encoding)


def _format_of(content_type: str, url_path: str) -> Format:
    """The format named by the Content-Type, else by the URL path's extension.

    Servers often send Markdown as text/plain, so a .md URL wins over text/plain.
    """
    media_type = content_type.split(";")[0].strip().lower()
    by_type = FORMATS_BY_CONTENT_TYPE.get(media_type)
    by_suffix = FORMATS_BY_SUFFIX.get(PurePosixPath(url_path).suffix.lower())
    if by_type and not (by_type == "text" and by_suffix == "markdown"):
        return by_type
    if by_suffix:
        return by_suffix
    raise _Unusable(f"unsupported content type {media_type or '(none)'!r}")


def _read_limited(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Unusable(f"too large: {declared} bytes")
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > max_bytes:
            raise _Unusable(f"too large: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise _Unusable("timed out")
    return bytes(body)


def _parse(
    fmt: Format, doc_id: str, data: bytes, url: str = "", encoding: str = "utf-8"
) -> Document:
    if not data:
        raise _Unusable("empty")
    if fmt == "pdf":
        return _parse_pdf(doc_id, data, url)
    text = _decode(data, encoding)
    if fmt == "html":
        return parse_html(doc_id, text, url)
    if fmt == "text":
        return parse_text(doc_id, text, url)
    document = parse_markdown(doc_id, text)
    return replace(document, url=url) if url else document


def _decode(data: bytes, encoding: str) -> str:
    if b"\x00" in data:
        raise _Unusable("binary content")
    try:
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"  # a byte order mark is not text
        text = data.decode(encoding)
    except LookupError as exc:
        raise _Unusable(f"unknown charset {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise _Unusable(f"not {name} text") from exc
    # As Path.read_text does: \r\n and \r become \n (content hashes do not depend on the platform).
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_pdf(doc_id: str, data: bytes, url: str) -> Document:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unusable("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str(reader.metadata.title or "") if reader.metadata else ""
    except _Unusable:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise _Unusable(f"unreadable PDF: {_describe(exc)}") from exc
    text = "\n\n".join(page.strip() for page in pages if page.strip()).replace("\x00", "")
    if not text.strip():
        raise _Unusable("PDF has no extractable text")
    document = parse_text(doc_id, text, url, title=title.strip() or None)
    return replace(document, content_hash=hashlib.sha256(data).hexdigest())


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
