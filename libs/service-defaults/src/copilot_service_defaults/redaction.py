"""Take secrets and personal data out of what a visitor wrote: before it becomes a public
issue, a log line, a span attribute or a kept transcript.

Each finding is replaced with a labelled placeholder such as `[redacted email]`, so the web
team still sees that something was there. Ordinary numbers (order numbers, quantities, years,
prices, dates) are left alone: card numbers must pass the Luhn check, and phone numbers must
look like phone numbers (the international `+` form, a common national grouping, or a label)."""

import re
from collections.abc import Callable

Replacer = Callable[[re.Match[str]], str]

# Digits a phone number has, country code included (E.164 allows at most 15).
PHONE_DIGITS = range(7, 16)

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    r".*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_API_KEY = re.compile(
    r"(?<![\w-])(?:"
    r"sk-[A-Za-z0-9_-]{16,}"  # OpenAI, Anthropic and alike
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe secret and restricted keys
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{22,}"  # GitHub fine-grained tokens
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack
    r"|AIza[A-Za-z0-9_-]{35}"  # Google
    r")"
)
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# A bearer token has a digit somewhere, so "Bearer of bad news" stays.
_BEARER = re.compile(r"\b[Bb]earer[ \t]+(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{12,}=*")
_LABELLED_SECRET = re.compile(
    r"(?P<label>\b(?:[A-Za-z0-9]+[_-])*"
    r"(?:password|passwd|passphrase|secret|token|pin|authorization|(?:api|access|secret|private)"
    r"[_-]?key)\b[\"']?[ \t]*[:=][ \t]*)"
    r"(?P<value>(?:(?:Basic|Bearer|Token)[ \t]+)?(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s,;]+))",
    re.IGNORECASE,
)
# Any script: josé@exemple.fr and user@bücher.de are addresses too.
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
# 13 to 19 digits with single spaces or dashes between them; the Luhn check decides.
_CARD_CANDIDATE = re.compile(r"(?<![\w+.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)")
# Digit groups with at most one separator between them: "20 7946 0958", "(415) 555-0100".
_GROUPS = r"(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5}))"
_PHONE_NUMBERS = (
    # International: +44 20 7946 0958, +1 (415) 555-0100, +33612345678.
    re.compile(rf"(?<![\w+])\+\d{{1,3}}{_GROUPS}{{1,6}}(?![\w-]|\.\d)"),
    # North American grouping: (415) 555-0100, 415-555-0100, 415.555.0100.
    re.compile(r"(?<![\w.-])(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-]|\.\d)"),
    # National numbers with a trunk 0: 020 7946 0958, 06 12 34 56 78, 0612345678.
    re.compile(r"(?<![\w.-])0\d(?:[ .-]?\d){8,9}(?![\w-]|\.\d)"),
)
# Street addresses where they are recognisable: a house number, capitalised words, a street type.
_STREET_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?[ \t]+(?:[A-Z][A-Za-z'.-]*[ \t]+){1,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Strasse|Straße)\b\.?"
)
_LABELLED_PHONE = re.compile(
    r"(?P<label>\b(?:phone|telephone|tel|mobile|cell|whatsapp)(?: number)?[ \t]*[:.]?[ \t]*"
    r"|\b(?:call|text) me (?:at|on)[ \t]+)"
    rf"(?P<value>\+?\(?\d{{1,5}}\)?{_GROUPS}{{0,6}})(?![\w-]|\.\d)",
    re.IGNORECASE,
)


def placeholder(kind: str) -> str:
    return f"[redacted {kind}]"


def luhn_valid(digits: str) -> bool:
    """The check digit every payment card number carries (ISO/IEC 7812)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _constant(kind: str) -> Replacer:
    return lambda _: placeholder(kind)


def _bearer_token(_: re.Match[str]) -> str:
    return f"Bearer {placeholder('token')}"


def _labelled_secret(match: re.Match[str]) -> str:
    if "[redacted" in match.group("value"):
        return match.group(0)
    return match.group("label") + placeholder("secret")


def _card_number(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return placeholder("card number") if luhn_valid(digits) else match.group(0)


def _phone_number(match: re.Match[str]) -> str:
    if _digit_count(match.group(0)) not in PHONE_DIGITS:
        return match.group(0)
    return placeholder("phone number")


def _labelled_phone(match: re.Match[str]) -> str:
    if _digit_count(match.group("value")) not in PHONE_DIGITS:
        return match.group(0)
    return match.group("label") + placeholder("phone number")


# Order matters: key blocks and well-known key shapes first, so a labelled secret then sees
# the placeholder rather than the key; emails before numbers, since they may hold digits.
_RULES: tuple[tuple[re.Pattern[str], Replacer], ...] = (
    (_PRIVATE_KEY, _constant("private key")),
    (_API_KEY, _constant("api key")),
    (_AWS_ACCESS_KEY, _constant("aws key")),
    (_JWT, _constant("token")),
    (_BEARER, _bearer_token),
    (_LABELLED_SECRET, _labelled_secret),
    (_EMAIL, _constant("email")),
    (_CARD_CANDIDATE, _card_number),
    (_LABELLED_PHONE, _labelled_phone),
    *((pattern, _phone_number) for pattern in _PHONE_NUMBERS),
    (_STREET_ADDRESS, _constant("address")),
)


def redact(text: str) -> str:
    """The text with secrets, card numbers, email addresses, phone numbers and street
    addresses replaced."""
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text
