"""The output check: an answer or a tool call never carries the system prompt or a secret.

Text is checked as it streams, before the visitor sees it. A run of the system prompt
longer than `window` characters (compared without case and spacing) or anything shaped
like a credential stops the answer; the model's instructions alone are not the defence."""

import re
from collections.abc import Iterable

from copilot_orchestrator.domain.model import TextSink

PROMPT_WINDOW = 50
SECRET_WINDOW = 12
# Longest run of text held back while a word (a possible credential) is still arriving.
MAX_HELD = 200
CREDENTIAL_SHAPES = re.compile(
    r"sk-[A-Za-z0-9_-]{20,}"  # OpenAI-style API keys
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"  # GitHub tokens
    r"|AKIA[0-9A-Z]{16}"  # AWS access key ids
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."  # signed tokens (JWT)
)
# The start of a credential: an unfinished word like this is not passed on at the end.
CREDENTIAL_START = re.compile(r"(?:sk-|gh[pousr]_|github_pat_|AKIA|ASIA|eyJ|-----BEGIN)\S*$")
_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).lower()


def _windows(text: str, size: int) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def _holds_window(text: str, windows: set[str], size: int, start: int) -> bool:
    return any(text[i : i + size] in windows for i in range(start, len(text) - size + 1))


class OutputGuard:
    def __init__(self, protected_texts: Iterable[str], secrets: Iterable[str]) -> None:
        self._prompt_windows: set[str] = set()
        for text in protected_texts:
            self._prompt_windows |= _windows(_normal(text), PROMPT_WINDOW)
        self._secret_windows: set[str] = set()
        for secret in secrets:
            if len(secret) >= SECRET_WINDOW:
                self._secret_windows |= _windows(secret, SECRET_WINDOW)

    def leaks(self, text: str, checked: int = 0) -> bool:
        """True when `text` holds part of the system prompt or a secret. The first `checked`
        characters were found clean before: only runs that reach past them are looked at
        (a streamed answer is checked piece by piece, each with the end of what came before)."""
        if CREDENTIAL_SHAPES.search(text):
            return True
        if self._secret_windows and _holds_window(
            text, self._secret_windows, SECRET_WINDOW, max(0, checked - SECRET_WINDOW + 1)
        ):
            return True
        normal = _normal(text)
        # The clean part, normalised, begins the whole normalised: look from its last window.
        start = max(0, len(_normal(text[:checked])) - PROMPT_WINDOW) if checked else 0
        return _holds_window(normal, self._prompt_windows, PROMPT_WINDOW, start)

    def stream(self, sink: TextSink) -> "GuardedStream":
        return GuardedStream(self, sink)


class GuardedStream:
    """Passes text on once it is checked; holds back an unfinished word, which may be the
    start of a credential. After a leak nothing more is passed on."""

    def __init__(self, guard: OutputGuard, sink: TextSink) -> None:
        self._guard = guard
        self._sink = sink
        self._checked = ""  # what was passed on, for runs that span pieces
        self._held = ""
        self.blocked = False

    async def write(self, text: str) -> None:
        if self.blocked:
            return
        self._held += text
        cut = max(self._held.rfind(" "), self._held.rfind("\n")) + 1
        if cut == 0 and len(self._held) < MAX_HELD:
            return
        if cut == 0 and CREDENTIAL_START.match(self._held):
            self.blocked = True  # a run this long that starts like a credential
            return
        ready, self._held = (self._held[:cut], self._held[cut:]) if cut else (self._held, "")
        await self._pass(ready)

    async def flush(self) -> None:
        """Pass on the held end of the answer, unless it is the start of a credential."""
        if self._held and not self.blocked:
            held, self._held = self._held, ""
            if CREDENTIAL_START.search(held):
                self.blocked = True
                return
            await self._pass(held)

    async def _pass(self, text: str) -> None:
        tail = self._checked[-(MAX_HELD + PROMPT_WINDOW) :]
        if self._guard.leaks(tail + text, checked=len(tail)):
            self.blocked = True
            return
        self._checked = tail + text
        await self._sink(text)
