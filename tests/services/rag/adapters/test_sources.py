"""Loading documents from a directory and from a URL list served on the loopback."""

import hashlib
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from copilot_rag.adapters.sources import LoadReport, Skipped, load_path, load_url_list
from copilot_rag.config import BUNDLED_DOCS
from pypdf import PdfReader

MARKDOWN = "---\ntitle: Returns\nurl: https://example.test/returns\ncategory: orders\n---\n"
MARKDOWN += "# Returns\n\nUnopened bags within 30 days.\n"
HTML = "<html><head><title>Pour-over</title></head><body><h1>Pour-over</h1>"
HTML += "<h2>Ratio</h2><p>Use 1:16.</p></body></html>"


def minimal_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF showing `lines` in Helvetica, with correct xref offsets."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    content = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        " /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        f"<< /Title ({title or ''}) >>",
    ]
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>"
    return pdf + f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()


def test_the_hand_made_pdf_is_well_formed() -> None:
    reader = PdfReader(io.BytesIO(minimal_pdf(["Hello"])), strict=True)
    assert "Hello" in reader.pages[0].extract_text()


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    files: dict[str, bytes] = {
        "returns.md": MARKDOWN.encode(),
        "guides/pour-over.html": HTML.encode(),
        "guides/deep/notes.txt": b"Grinder notes\r\nClean the burrs monthly.\r\n",
        "manual.pdf": minimal_pdf(["Grinder Manual", "Clean the burrs monthly."], "Grinder"),
        "untitled.pdf": minimal_pdf(["Espresso basics", "Dose 18 g."]),
        "empty.md": b"",
        "blank.md": b"\n   \n",
        "blob.txt": b"PK\x03\x04\x00\x00binary",
        "latin.txt": "Caf\u00e9 cr\u00e8me".encode("latin-1"),
        "big.html": b"<p>" + b"x" * 3000 + b"</p>",
        "broken.pdf": b"%PDF-1.4\nthis is not really a PDF\n",
        "scanned.pdf": minimal_pdf([]),
        "faq.md": b"# FAQ\n\nAsk us.\n",
        "faq.txt": b"FAQ as text\n",
        "photo.png": b"\x89PNG\r\n\x1a\n",
        "README": b"no extension",
        ".draft.md": b"# Draft\n\nNot yet.\n",
        ".git/notes.md": b"# Hidden\n\nNo.\n",
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_a_directory_loads_good_files_and_reports_bad_ones(docs_dir: Path) -> None:
    considered: list[str] = []
    report = load_path(docs_dir, max_bytes=2000, on_progress=considered.append)

    assert [d.doc_id for d in report.documents] == [
        "faq",
        "guides/deep/notes",
        "guides/pour-over",
        "manual",
        "returns",
        "untitled",
    ]
    skipped = {s.name: s.reason for s in report.skipped}
    # A skipped file names the page it would have been, so its indexed version is kept.
    assert {s.name: s.doc_id for s in report.skipped}["empty.md"] == "empty"
    assert skipped.pop("broken.pdf").startswith("unreadable PDF")
    assert skipped == {
        "big.html": "too large: 3007 bytes",
        "blank.md": "blank: no content",
        "blob.txt": "binary content",
        "empty.md": "empty",
        "faq.txt": "same id as faq.md",
        "latin.txt": "not UTF-8 text",
        "scanned.pdf": "PDF has no extractable text",
    }
    assert considered == sorted(considered) and len(considered) == 14
    assert not {".draft.md", ".git/notes.md", "photo.png", "README"} & set(considered)


def test_each_format_is_parsed(docs_dir: Path) -> None:
    docs = {d.doc_id: d for d in load_path(docs_dir).documents}
    assert docs["returns"].url == "https://example.test/returns"
    assert "## Ratio" in docs["guides/pour-over"].body
    notes = docs["guides/deep/notes"]
    assert (notes.title, notes.body) == (
        "Grinder notes",
        "# Grinder notes\n\nClean the burrs monthly.\n",
    )

    manual = docs["manual"]
    assert manual.title == "Grinder"  # from the PDF's metadata
    assert "Grinder Manual\nClean the burrs monthly." in manual.body
    pdf_bytes = (docs_dir / "manual.pdf").read_bytes()
    assert manual.content_hash == hashlib.sha256(pdf_bytes).hexdigest()
    assert docs["untitled"].title == "Espresso basics"  # no metadata title: the first line


def test_a_single_file_is_loaded_by_its_stem(docs_dir: Path) -> None:
    report = load_path(docs_dir / "guides" / "pour-over.html")
    assert [d.doc_id for d in report.documents] == ["pour-over"]
    assert load_path(docs_dir / "photo.png").skipped == [
        Skipped("photo.png", "unsupported file type '.png'")
    ]
    with pytest.raises(FileNotFoundError):
        load_path(docs_dir / "missing.md")


def test_the_bundled_docs_load_with_their_file_names_as_ids() -> None:
    report = load_path(BUNDLED_DOCS)
    assert report.skipped == []
    assert [d.doc_id for d in report.documents] == sorted(p.stem for p in BUNDLED_DOCS.glob("*.md"))


Route = tuple[int, str, bytes]
ROUTES: dict[str, Route] = {
    "/guide": (200, "text/html; charset=utf-8", HTML.encode()),
    "/returns": (200, "text/markdown", MARKDOWN.encode()),
    "/raw/notes.md": (200, "text/plain; charset=utf-8", b"# Notes\n\n## Burrs\nClean them.\n"),
    "/files/manual": (200, "application/pdf", minimal_pdf(["Grinder Manual"], "Grinder")),
    "/legacy.txt": (200, "application/octet-stream", "Caf\u00e9 hours\n9 to 5\n".encode()),
    "/latin": (200, "text/plain; charset=iso-8859-1", "Caf\u00e9 cr\u00e8me\n".encode("latin-1")),
    "/logo": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
    "/big": (200, "text/html", b"<p>" + b"x" * 3000 + b"</p>"),
    "/empty": (200, "text/plain", b""),
}


class _Site(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)  # listening once constructed
        self.release_slow = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:
        if self.path == "/slow":
            self.server.release_slow.wait(timeout=30)  # the client gives up long before
            return
        if self.path == "/unannounced":  # no Content-Length: the body ends when the socket does
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"y" * 3000)
            return
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = _Site()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.release_slow.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def load_list(
    tmp_path: Path, lines: list[str], on_progress: list[str] | None = None, timeout: float = 10
) -> LoadReport:
    list_file = tmp_path / "urls.txt"
    list_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        progress = on_progress.append if on_progress is not None else None
        return load_url_list(list_file, client, max_bytes=2000, on_progress=progress)


def test_a_url_list_loads_good_pages_and_reports_bad_ones(tmp_path: Path, site: str) -> None:
    urls = [f"{site}{path}" for path in ("/guide", "/returns", "/raw/notes.md", "/files/manual")]
    urls += [f"{site}/legacy.txt", f"{site}/latin"]
    bad = {
        f"{site}/missing": "HTTP 404 Not Found",
        f"{site}/logo": "unsupported content type 'image/png'",
        f"{site}/big": "too large: 3007 bytes",
        f"{site}/unannounced": "too large: more than 2000 bytes",
        f"{site}/empty": "empty",
        "ftp://example.test/guide.html": "not an http(s) URL",
        "file:///etc/passwd": "not an http(s) URL",
        f"{site}/guide": "listed more than once",
    }
    considered: list[str] = []
    report = load_list(tmp_path, ["# our docs", "", *urls, "  ", *bad], considered)

    assert [d.doc_id for d in report.documents] == urls
    assert all(d.url == d.doc_id for d in report.documents)
    assert report.skipped == [Skipped(url, reason, url) for url, reason in bad.items()]
    assert considered == urls + list(bad)


def test_each_fetched_format_is_parsed(tmp_path: Path, site: str) -> None:
    paths = ["/guide", "/returns", "/raw/notes.md", "/files/manual", "/legacy.txt", "/latin"]
    report = load_list(tmp_path, [f"{site}{path}" for path in paths])
    guide, returns, notes, manual, legacy, latin = report.documents

    assert "## Ratio" in guide.body
    assert (returns.title, returns.category) == ("Returns", "orders")
    assert "## Burrs" in notes.body  # text/plain from a .md URL is read as Markdown
    assert (manual.title, "Grinder Manual" in manual.body) == ("Grinder", True)
    assert legacy.title == "Caf\u00e9 hours"  # an unknown type: the URL's extension decides
    assert latin.title == "Caf\u00e9 cr\u00e8me"  # the declared charset is honoured


def test_timeouts_and_refused_connections_are_reported(tmp_path: Path, site: str) -> None:
    dead = site.rsplit(":", 1)[0] + ":1/page"  # nothing listens on port 1
    report = load_list(tmp_path, [f"{site}/slow", dead, f"{site}/guide"], timeout=0.2)
    slow, refused = report.skipped
    assert slow == Skipped(f"{site}/slow", "timed out", f"{site}/slow")
    assert refused.name == dead and refused.reason.startswith("request failed")
    assert [d.doc_id for d in report.documents] == [f"{site}/guide"]


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path) -> None:
    from copilot_rag.adapters.url_guard import docs_client

    listing = tmp_path / "urls.txt"
    listing.write_text("http://127.0.0.1:9/internal\nhttp://169.254.169.254/latest/meta-data\n")
    with docs_client(allow_private=False) as client:
        report = load_url_list(listing, client)
    assert report.documents == []
    assert [s.reason for s in report.skipped] == [
        "request failed: 127.0.0.1 is not a public address",
        "request failed: 169.254.169.254 is not a public address",
    ]
