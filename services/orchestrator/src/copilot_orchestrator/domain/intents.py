"""Reading what a visitor wants from their message, without a language model."""

import re
from dataclasses import dataclass, field
from enum import Enum


class Intent(Enum):
    GREETING = "greeting"
    ORDER = "order"
    BUG_REPORT = "bug_report"
    FEEDBACK = "feedback"
    QUESTION = "question"


_GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|help)\b[\s!.?]*$", re.I)
_ORDER = re.compile(r"\b(order|buy|purchase|i'?d like|i want|i'll take|get me)\b", re.I)
_QUESTION_ABOUT_ORDERS = re.compile(
    r"\b(how|when|where|can i|do you|what|track|cancel|change|return|refund|status)\b", re.I
)
_BUG = re.compile(
    r"\b(bug|broken|crash(es|ed)?|glitch|error (message|page)|(doesn'?t|does not|isn'?t|is not|"
    r"won'?t|not) (work|working|load|loading)|404|500)\b",
    re.I,
)
_FEEDBACK = re.compile(r"\b(feedback|suggestion|feature request|it would be (nice|great))\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME = re.compile(
    r"\b(?i:my name is|name:|i am|i'm|this is)\s+([A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+){0,2})"
)
_SKU = re.compile(r"\bEO-[A-Z0-9]+(?:-[A-Z0-9]+)*\b", re.I)
_GRINDS = ("whole bean", "espresso", "filter", "french press", "pour over", "aeropress")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ITEM = re.compile(
    r"\b(\d{1,2}(?!\d)|(?:a|an|one|two|three|four|five|six)\b)\s*(?:x\s+)?"
    r"(?:(?:bags?|packs?|boxes|box|pieces?|units?|kg|1kg|250g)\s+)?(?:of\s+)?(?:(?:the|your)\s+)?"
    r"([A-Za-z][A-Za-z0-9' -]{2,40}?)"
    r"(?=\s*(?:,|;|\.|\band\b|\bfor\b|\bwith\b|\bin\b|\bground\b|\bplease\b|\bto\b|$))",
    re.I,
)


@dataclass(frozen=True)
class OrderItemGuess:
    product: str
    quantity: int
    grind: str | None = None


@dataclass(frozen=True)
class OrderRequestGuess:
    items: list[OrderItemGuess] = field(default_factory=list)
    name: str | None = None
    email: str | None = None


def classify(message: str) -> Intent:
    if _GREETING.match(message):
        return Intent.GREETING
    if _BUG.search(message):
        return Intent.BUG_REPORT
    if _FEEDBACK.search(message):
        return Intent.FEEDBACK
    ordering = _ORDER.search(message) or _SKU.search(message)
    if ordering and not (message.rstrip().endswith("?") and _QUESTION_ABOUT_ORDERS.search(message)):
        return Intent.ORDER
    return Intent.QUESTION


def _grind(message: str) -> str | None:
    lowered = message.lower()
    for grind in _GRINDS:
        if grind in lowered:
            return "filter" if grind in ("pour over", "aeropress") else grind
    return None


def extract_order(message: str) -> OrderRequestGuess:
    grind = _grind(message)
    items = [
        OrderItemGuess(sku.upper(), _quantity_before(message, sku), grind)
        for sku in _SKU.findall(message)
    ]
    if not items:
        body = _EMAIL.sub(" ", _NAME.sub(" ", message))
        for quantity, product in _ITEM.findall(body):
            product = re.sub(r"\b(bags?|packs?|coffee beans|beans)\b", "", product, flags=re.I)
            product = product.strip(" -'")
            if product and product.lower() not in _GRINDS:
                items.append(OrderItemGuess(product, _to_int(quantity), grind))
    email = _EMAIL.search(message)
    name = _NAME.search(message)
    return OrderRequestGuess(
        items=items,
        name=name.group(1).strip() if name else None,
        email=email.group(0) if email else None,
    )


def _to_int(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word.lower(), 1)


def _quantity_before(message: str, sku: str) -> int:
    match = re.search(
        rf"(\d{{1,2}}|{'|'.join(_NUMBER_WORDS)})\s*(?:x\s*)?{re.escape(sku)}", message, re.I
    )
    return _to_int(match.group(1)) if match else 1


def issue_title(message: str, intent: Intent) -> str:
    first = re.split(r"(?<=[.!?])\s", message.strip(), maxsplit=1)[0]
    prefix = "Bug report" if intent is Intent.BUG_REPORT else "Feedback"
    title = f"{prefix}: {first}"
    return title if len(title) <= 100 else title[:97].rstrip() + "..."
