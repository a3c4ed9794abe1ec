"""A bound on how much answer one turn streams to the visitor, whatever the model writes."""

CUT_SHORT = (
    "\n\n(I stopped there: the answer was getting too long. "
    "Ask me about one part at a time for more.)"
)


class AnswerLimit:
    """Counts the characters a turn's model calls stream; None means no limit."""

    def __init__(self, max_chars: int | None) -> None:
        self.left = max_chars

    def take(self, text: str) -> str:
        """The part of `text` that still fits; the caller raises `StopStreaming` when that
        is less than all of it."""
        if self.left is None:
            return text
        allowed = text[: self.left]
        self.left -= len(allowed)
        return allowed
