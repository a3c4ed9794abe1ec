import pytest
from copilot_service_defaults.logs import redact
from copilot_service_defaults.settings import require_secret
from copilot_service_defaults.telemetry import low_cardinality_subject


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("copilot.v1.chat.turn.requested", "copilot.v1.chat.turn.requested"),
        (
            "copilot.v1.chat.turn.0123456789abcdef0123456789abcdef.events",
            "copilot.v1.chat.turn.{id}.events",
        ),
        ("_INBOX.k1X2b3Y4z5.a6b7c8", "_INBOX"),
    ],
)
def test_span_names_do_not_grow_with_traffic(subject: str, name: str) -> None:
    assert low_cardinality_subject(subject) == name


def test_personal_data_and_credentials_are_redacted() -> None:
    line = "mail ada@example.com, call +44 20 7946 0958, Bearer abc.def.ghi, at 127.0.0.1:8000"
    redacted = redact(line)
    assert "ada@example.com" not in redacted and "[redacted email]" in redacted
    assert "7946" not in redacted and "[redacted phone number]" in redacted
    assert "abc.def.ghi" not in redacted
    assert "127.0.0.1:8000" in redacted


def test_production_refuses_missing_or_development_secrets() -> None:
    require_secret("X", None, production=False)
    require_secret("X", "a-real-secret-value", production=True)
    with pytest.raises(SystemExit, match="X must be set"):
        require_secret("X", None, production=True)
    with pytest.raises(SystemExit):
        require_secret("X", "dev-only-secret", production=True)


@pytest.mark.parametrize("personal", ["josé@exemple.fr", "user@bücher.de", "4155550100"])
def test_log_redaction_covers_international_addresses_and_bare_numbers(personal: str) -> None:
    assert personal not in redact(f"visitor wrote {personal} today")
