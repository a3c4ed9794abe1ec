"""Keyword vectors for Qdrant's sparse search: BM25 term weights; Qdrant applies the IDF."""

import re
import zlib
from collections import Counter
from dataclasses import dataclass

import snowballstemmer

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "up",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_stemmer = snowballstemmer.stemmer("english")


def terms(text: str) -> list[str]:
    """Stemmed terms; a hyphenated code like EO-ESP-1K counts whole and by its parts."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        token = token.removesuffix("'s")
        if "-" in token:
            out.append(token)
            out.extend(p for p in token.split("-") if p not in _STOPWORDS)
        elif token not in _STOPWORDS:
            out.append(_stemmer.stemWord(token))
    return out


def term_id(term: str) -> int:
    return zlib.crc32(term.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


# BM25 normalises term counts by the average document length. Documents are indexed one at a
# time, so a fixed typical chunk length (in terms) stands in for the corpus average.
AVERAGE_TERMS = 100.0


def document_vector(
    text: str, avg_length: float = AVERAGE_TERMS, k1: float = 1.2, b: float = 0.75
) -> SparseVector:
    counts = Counter(term_id(t) for t in terms(text))
    length = sum(counts.values())
    norm = k1 * (1 - b + b * length / max(avg_length, 1.0))
    weights = {i: tf * (k1 + 1) / (tf + norm) for i, tf in counts.items()}
    return SparseVector(indices=list(weights), values=list(weights.values()))


def query_vector(text: str) -> SparseVector:
    ids = sorted({term_id(t) for t in terms(text)})
    return SparseVector(indices=ids, values=[1.0] * len(ids))


def keyword_coverage(query: str, text: str) -> float:
    """The share of the query's distinct terms that occur in `text` (0 when it has none)."""
    wanted = set(terms(query))
    if not wanted:
        return 0.0
    return len(wanted & set(terms(text))) / len(wanted)
