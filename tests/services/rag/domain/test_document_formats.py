import hashlib

import pytest
from copilot_rag.domain.chunking import chunk_document
from copilot_rag.domain.documents import DocumentError, parse_html, parse_text

PAGE = """<!doctype html>
<html>
<head>
  <title>Brewing Guide</title>
  <meta name="category" content="brewing">
  <link rel="canonical" href="https://example.test/docs/brewing">
  <style>h1 { color: brown; }</style>
  <script>document.write("<h2>Injected</h2>");</script>
</head>
<body>
  <header><a href="/">Ember &amp; Oak</a></header>
  <nav><ul><li>Shop</li><li>Docs</li></ul></nav>
  <!-- editor's note: not for readers -->
  <main>
    <h1>Brewing Guide</h1>
    <p>Intro   text about
       <b>brewing</b>.</p>
    <h2>Pour-over</h2>
    <h3>Ratio</h3>
    <p>Use 1:16 coffee to water &mdash; about 15&nbsp;g per 250&nbsp;ml.</p>
    <ul><li>Grind medium-fine</li><li>Bloom for <em>30 s</em></li></ul>
    <h2>French press</h2>
    <table><tr><th>Steep</th><td>4 minutes</td></tr></table>
    <p>Line one<br>Line two</p>
  </main>
  <footer>Copyright Ember &amp; Oak</footer>
  <noscript>Please enable JavaScript.</noscript>
  <svg><title>Logo</title></svg>
</body>
</html>
"""


def test_html_headings_become_the_chunks_heading_paths() -> None:
    doc = parse_html("brewing", PAGE)
    by_text = {c.text: c for c in chunk_document(doc)}
    assert by_text["Intro text about brewing."].heading_path == ()
    ratio = next(c for c in by_text.values() if c.text.startswith("Use 1:16"))
    assert ratio.heading_path == ("Pour-over", "Ratio")
    assert ratio.url == "https://example.test/docs/brewing#ratio"
    assert ratio.text.endswith("- Grind medium-fine\n- Bloom for 30 s")
    press = by_text["Steep\n4 minutes\n\nLine one\nLine two"]
    assert press.heading_path == ("French press",)


def test_html_metadata_and_hash() -> None:
    doc = parse_html("brewing", PAGE)
    assert (doc.title, doc.url, doc.category) == (
        "Brewing Guide",
        "https://example.test/docs/brewing",
        "brewing",
    )
    assert doc.content_hash == hashlib.sha256(PAGE.encode()).hexdigest()


def test_html_page_chrome_scripts_and_comments_are_dropped() -> None:
    body = parse_html("brewing", PAGE).body
    for dropped in ("color", "Injected", "Shop", "Ember", "editor", "JavaScript", "Logo"):
        assert dropped not in body


def test_html_entities_are_decoded_and_whitespace_collapsed() -> None:
    body = parse_html("brewing", PAGE).body
    assert "Use 1:16 coffee to water \u2014 about 15 g per 250 ml." in body
    assert "&" not in body and "  " not in body


def test_html_url_argument_wins_over_canonical_and_defaults_apply() -> None:
    assert parse_html("b", PAGE, url="https://mirror.test/b").url == "https://mirror.test/b"
    doc = parse_html("plain", "<h1>Gift cards</h1><p>They never expire.</p>")
    assert (doc.title, doc.url, doc.category) == ("Gift cards", "", "general")
    assert doc.body == "# Gift cards\n\nThey never expire.\n"


def test_html_title_is_prepended_as_a_heading_when_the_page_has_no_h1() -> None:
    doc = parse_html("faq", "<title>FAQ</title><h2>Shipping</h2><p>Two days.</p>")
    assert doc.body.startswith("# FAQ\n")
    assert [c.heading_path for c in chunk_document(doc)] == [("Shipping",)]


def test_text_that_looks_like_a_heading_is_not_one() -> None:
    doc = parse_html("x", "<h1>Notes</h1><p># not a heading</p><pre>a\n## b</pre>")
    assert [c.heading_path for c in chunk_document(doc)] == [()]


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<html><head><title>Only a title</title></head><body> </body></html>",
     "<script>alert(1)</script><nav>Menu</nav><!-- nothing -->"],
)  # fmt: skip
def test_html_without_text_is_refused(html: str) -> None:
    with pytest.raises(DocumentError):
        parse_html("empty", html)


def test_plain_text_is_titled_by_its_first_line() -> None:
    text = "\n  Cold brew notes  \nSteep for 18 hours.\n## Not a heading\n"
    doc = parse_text("notes", text, url="https://example.test/notes")
    assert (doc.title, doc.url, doc.category) == (
        "Cold brew notes",
        "https://example.test/notes",
        "general",
    )
    assert doc.body == "# Cold brew notes\n\nSteep for 18 hours.\n\\## Not a heading\n"
    assert doc.content_hash == hashlib.sha256(text.encode()).hexdigest()
    assert [c.heading_path for c in chunk_document(doc)] == [()]


def test_a_long_first_line_is_trimmed_for_the_title_but_kept_in_the_body() -> None:
    first = "word " * 60
    doc = parse_text("long", f"{first}\nmore")
    assert len(doc.title) <= 120 and first.startswith(doc.title)
    assert first.strip() in doc.body


def test_an_explicit_title_heads_the_text() -> None:
    doc = parse_text("manual", "Chapter 1\nGrinders", title="Grinder Manual")
    assert doc.title == "Grinder Manual"
    assert doc.body == "# Grinder Manual\n\nChapter 1\nGrinders\n"


@pytest.mark.parametrize("text", ["", " \n\t\n"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(DocumentError):
        parse_text("empty", text)
