"""Secrets and personal data never reach an issue, a log or a transcript; ordinary numbers
stay readable."""

import pytest
from copilot_service_defaults.redaction import luhn_valid, placeholder, redact

pytestmark = pytest.mark.security

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5" * 4
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA7V1bQ2kD\n"
    "kXq9Lm0pZ3nY8wRtUvB4cE==\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my key is sk-proj-Ab12Cd34Ef56Gh78Ij90", "my key is [redacted api key]"),
        ("sk-ant-api03-abcdefghijklmnop1234", "[redacted api key]"),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe [redacted api key]"),
        (f"token {GITHUB_TOKEN} leaked", "token [redacted api key] leaked"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[redacted api key]"),
        ("xoxb-123456789012-abcdefghijkl", "[redacted api key]"),
        ("AWS AKIAIOSFODNN7EXAMPLE here", "AWS [redacted aws key] here"),
        ("Authorization: Bearer abc123def456ghi789", "Authorization: Bearer [redacted token]"),
        ("bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sflKxwRJSMeKKF2QT4fwpM", None),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: [redacted secret]"),
        ("password: hunter2", "password: [redacted secret]"),
        ("PASSWORD=hunter2!", "PASSWORD=[redacted secret]"),
        ("my password = 'correct horse battery'", "my password = [redacted secret]"),
        ('{"db_password": "s3cr3t"}', '{"db_password": [redacted secret]}'),
        ("client_secret=abc&x=1", "client_secret=[redacted secret]"),
        ("secret_key: xyz", "secret_key: [redacted secret]"),
        ("X-Api-Key: 12345abcde", "X-Api-Key: [redacted secret]"),
        ("?access_token=abc.def", "?access_token=[redacted secret]"),
        ("PIN: 4321", "PIN: [redacted secret]"),
        (f"key:\n{PRIVATE_KEY}\nthanks", "key:\n[redacted private key]\nthanks"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r", "[redacted private key]"),
    ],
)
def test_secrets_are_replaced(text: str, expected: str | None) -> None:
    redacted = redact(text)
    if expected is not None:
        assert redacted == expected
    assert "[redacted" in redacted


def test_a_jwt_is_replaced_wherever_it_appears() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"
    assert redact(f"the cookie was {jwt}.") == f"the cookie was {placeholder('token')}."


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555 5555 5555 4444",
        "3782 822463 10005",  # American Express, 15 digits
        "6011000990139424",
        "4222222222222",  # 13 digits
    ],
)
def test_card_numbers_that_pass_the_luhn_check_are_replaced(card: str) -> None:
    assert redact(f"I paid with {card}, twice.") == "I paid with [redacted card number], twice."


@pytest.mark.parametrize(
    "email", ["jane@example.com", "jane.doe+coffee@mail.example.co.uk", "J_D-1@sub.example.io"]
)
def test_emails_are_replaced(email: str) -> None:
    assert redact(f"Write to {email}.") == "Write to [redacted email]."


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1 (415) 555-0100",
        "+33612345678",
        "+49 30 901820",
        "(415) 555-0100",
        "415-555-0100",
        "415.555.0100",
        "020 7946 0958",
        "06 12 34 56 78",
        "0612345678",
    ],
)
def test_phone_numbers_are_replaced(phone: str) -> None:
    assert redact(f"Call {phone} today") == "Call [redacted phone number] today"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("phone: 5550100", "phone: [redacted phone number]"),
        ("Mobile 555 0100", "Mobile [redacted phone number]"),
        ("call me at 555 0100 please", "call me at [redacted phone number] please"),
        ("text me on 5550100", "text me on [redacted phone number]"),
    ],
)
def test_labelled_phone_numbers_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order EO-1A2B3C4D was charged twice.",
        "I ordered 2 bags of 250g and 12 capsules.",
        "It cost $12.50, then €1,299.00, then 1 299 kr.",
        "Since 2024 the page has been slow; last time on 2024-05-01 at 10:30.",
        "Order number 123456789 never arrived.",
        "Tracking 1Z999AA10123456784",
        "Card 4111 1111 1111 1112 was declined.",  # fails the Luhn check
        "Version v2.10.0 on 192.168.1.10 port 8080",
        "The token expired yesterday.",
        "Bearer of bad news: the checkout is down.",
        "I spin: 3 times a day.",
        "The phone app crashes 3 times a day.",
        "Quantities 10 20 30 40",
        "Postcode SW1A 1AA, no email given.",
        "My password is not accepted.",
        "sk-short is not a key",
        "",
    ],
)
def test_ordinary_text_and_numbers_stay(text: str) -> None:
    assert redact(text) == text


def test_a_mixed_report_keeps_its_meaning() -> None:
    text = (
        "Order EO-9F8E7D6C for 3 bags (€24.90) failed. Reach me at ana@example.org or "
        "+351 912 345 678. Card 4242 4242 4242 4242, password=pa55word."
    )
    assert redact(text) == (
        "Order EO-9F8E7D6C for 3 bags (€24.90) failed. Reach me at [redacted email] or "
        "[redacted phone number]. Card [redacted card number], password=[redacted secret]"
    )


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact("password: x, jane@example.com, 4111111111111111, +44 20 7946 0958")
    assert redact(once) == once


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("79927398713", True),
        ("4111111111111112", False),
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("4111 1111", False),
    ],
)
def test_luhn_check(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    "address",
    ["221B Baker Street", "1600 Pennsylvania Avenue", "10 Downing St", "4 Privet Dr."],
)
def test_street_addresses_are_redacted(address: str) -> None:
    assert redact(f"Ship it to {address}, London please") == (
        f"Ship it to {placeholder('address')}, London please"
    )


def test_order_lines_are_not_mistaken_for_addresses() -> None:
    text = "Order 2 bags of House Blend and 1 Ethiopia Yirgacheffe, whole bean"
    assert redact(text) == text
