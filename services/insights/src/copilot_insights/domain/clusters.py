"""Visitors' questions in groups of like meaning, from the vectors of the model the docs
search uses: the largest groups are what visitors ask most."""

import math
from dataclasses import dataclass, field

SIMILAR = 0.6
"""Cosine similarity at which a question joins a group (MiniLM: same topic, own words)."""


@dataclass
class QuestionGroup:
    label: str
    """The group's first question, which the others resemble."""
    centre: list[float]
    questions: list[str] = field(default_factory=list)


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def group_questions(
    questions: list[str], vectors: list[list[float]], similar: float = SIMILAR
) -> list[QuestionGroup]:
    """Groups, largest first: each question joins the group it is most like, if enough."""
    groups: list[QuestionGroup] = []
    for question, vector in zip(questions, vectors, strict=True):
        unit = _unit(vector)
        scored = [(sum(a * b for a, b in zip(unit, g.centre, strict=True)), g) for g in groups]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= similar:
            best[1].questions.append(question)
        else:
            groups.append(QuestionGroup(label=question, centre=unit, questions=[question]))
    return sorted(groups, key=lambda g: -len(g.questions))
