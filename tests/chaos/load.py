"""A steady load of visitors for the chaos run: each one loops over docs questions, orders
it then confirms, and bug reports it then sends, and every turn is recorded."""

import threading
import time
from itertools import count

from tests.chaos.visitor import TurnRecord, Visitor

KINDS = ("docs", "order", "report")
QUESTIONS = (
    "How should I store my coffee beans?",
    "What grind size should I use for a French press?",
    "Do you ship internationally?",
    "How do I pause my subscription?",
)


def message_for(kind: str, key: str, n: int) -> str:
    if kind == "order":
        # The email names the turn: the orders it left in the database can be told apart.
        return f"Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, {key}@example.com"
    if kind == "report":
        return f"The checkout page is broken, it shows an error page (seen by visitor {key})"
    return QUESTIONS[n % len(QUESTIONS)]


class SteadyLoad:
    def __init__(
        self, base_url: str, visitors: int, lost_after_s: float, decide_within_s: float
    ) -> None:
        self.visitors = [Visitor(n, base_url, lost_after_s) for n in range(visitors)]
        self.decide_within_s = decide_within_s
        self.turns: list[TurnRecord] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "SteadyLoad":
        for visitor in self.visitors:
            thread = threading.Thread(target=self._visit, args=(visitor,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Let every visitor finish the turn (and decision) it is in, then stop."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        for visitor in self.visitors:
            visitor.close()

    def _visit(self, visitor: Visitor) -> None:
        for n in count():
            if self._stop.is_set():
                return
            kind = KINDS[(visitor.number + n) % len(KINDS)]
            key = f"v{visitor.number}t{n}"
            turn = TurnRecord(visitor.number, kind, key, time.monotonic())
            with self._lock:
                self.turns.append(turn)
            visitor.turn(turn, message_for(kind, key, n))
            if turn.outcome == "completed" and turn.action_id is not None:
                visitor.decide(turn, self.decide_within_s)

    def completed_since(self, moment: float) -> int:
        """Turns started after `moment` that have completed."""
        with self._lock:
            return sum(1 for t in self.turns if t.started >= moment and t.outcome == "completed")

    def session_ids(self) -> list[str]:
        return [sid for visitor in self.visitors for sid in visitor.session_ids]
