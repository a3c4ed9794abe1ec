"""The readable text of an HTML page as Markdown-style lines, with the standard library parser."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose content is never page text (page chrome, code, graphics).
_DROPPED = frozenset({"script", "style", "noscript", "nav", "header", "footer", "template", "svg"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
# Elements that end the current line of text.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "form", "hr", "li", "main", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Blocks followed by a blank line, so the chunker can cut between them.
_PARAGRAPHS = frozenset({"blockquote", "p", "pre", "table", "ol", "ul", "dl"})
_HEADING_LIKE = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class HtmlText:
    title: str
    body: str
    category: str
    canonical_url: str


def extract_html(html: str) -> HtmlText:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.result()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._text: list[str] = []  # raw text of the current line, whitespace not yet collapsed
        self._dropped_depth = 0
        self._heading_level = 0
        self._in_pre = False
        self._list_item = False
        self._in_title = False
        self._title: list[str] = []
        self._first_h1 = ""
        self._category = ""
        self._canonical = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped_depth += 1
        elif self._dropped_depth:
            return
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            self._read_meta(dict(attrs))
        elif tag == "link":
            self._read_link(dict(attrs))
        elif self._heading_level and (tag == "br" or tag in _BLOCKS):
            self._text.append(" ")  # a heading stays on one line
        elif tag == "br":
            self._end_line()
        elif tag in _HEADINGS:
            self._end_block()
            self._heading_level = _HEADINGS[tag]
        elif tag in _BLOCKS:
            self._end_line()
            self._list_item = tag == "li"
            self._in_pre = self._in_pre or tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropped_depth = max(0, self._dropped_depth - 1)
        elif self._dropped_depth:
            return
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._end_block()
        elif tag in _BLOCKS and not self._heading_level:
            self._end_line()
            self._list_item = False
            self._in_pre = self._in_pre and tag != "pre"
            if tag in _PARAGRAPHS:
                self._lines.append("")

    def handle_data(self, data: str) -> None:
        if self._dropped_depth:
            return
        if self._in_title:
            self._title.append(data)
        elif self._in_pre and not self._heading_level:
            *ended, rest = data.split("\n")
            for line in ended:
                self._text.append(line)
                self._end_line()
            self._text.append(rest)
        else:
            self._text.append(data)

    def result(self) -> HtmlText:
        self._end_block()
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(self._lines)).strip("\n")
        return HtmlText(
            title=_collapse(self._title) or self._first_h1,
            body=body + "\n" if body else "",
            category=self._category,
            canonical_url=self._canonical,
        )

    def _end_line(self) -> None:
        text = _collapse(self._text)
        self._text.clear()
        if not text:
            return
        if _HEADING_LIKE.match(text):
            text = "\\" + text  # page text, not a heading
        self._lines.append(f"- {text}" if self._list_item else text)

    def _end_block(self) -> None:
        """End the current line, or the current heading if one is open."""
        if not self._heading_level:
            self._end_line()
            return
        text = _collapse(self._text).lstrip("#").strip()
        self._text.clear()
        level, self._heading_level = self._heading_level, 0
        if not text:
            return
        if level == 1 and not self._first_h1:
            self._first_h1 = text
        self._lines.extend(["", "#" * level + " " + text, ""])

    def _read_meta(self, attrs: dict[str, str | None]) -> None:
        if (attrs.get("name") or "").lower() == "category" and not self._category:
            self._category = (attrs.get("content") or "").strip()

    def _read_link(self, attrs: dict[str, str | None]) -> None:
        rels = (attrs.get("rel") or "").lower().split()
        if "canonical" in rels and not self._canonical:
            self._canonical = (attrs.get("href") or "").strip()


def _collapse(pieces: list[str]) -> str:
    return " ".join("".join(pieces).split())
