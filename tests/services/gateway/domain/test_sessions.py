from datetime import UTC, datetime, timedelta

import pytest
from copilot_gateway.domain.sessions import SessionError, SessionIssuer

SECRET = "test-secret-that-is-long-enough-for-hs256"
TTL = timedelta(minutes=30)


def issuer() -> SessionIssuer:
    return SessionIssuer(SECRET, TTL, ["site-a"])


def test_a_refresh_keeps_the_session_and_its_consent() -> None:
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    session, token = issuer().issue("site-a", now=ten_minutes_ago, consent=True)
    renewed, new_token = issuer().refresh(token)
    assert renewed.session_id == session.session_id and renewed.consent
    assert renewed.expires_at - session.expires_at >= timedelta(minutes=9)
    assert new_token != token
    assert issuer().verify(new_token).session_id == session.session_id


def test_a_lately_expired_token_refreshes_but_an_old_one_does_not() -> None:
    issued_at = datetime.now(UTC) - TTL - timedelta(minutes=5)
    session, token = issuer().issue("site-a", now=issued_at)
    with pytest.raises(SessionError, match="expired"):
        issuer().verify(token)
    assert issuer().refresh(token)[0].session_id == session.session_id
    _, ancient = issuer().issue("site-a", now=datetime.now(UTC) - 3 * TTL)
    with pytest.raises(SessionError) as refused:
        issuer().refresh(ancient)
    assert refused.value.code == "token_expired"


def test_a_token_signed_elsewhere_never_refreshes() -> None:
    _, token = SessionIssuer("another-secret-that-is-long-enough!!", TTL, ["site-a"]).issue(
        "site-a"
    )
    with pytest.raises(SessionError) as refused:
        issuer().refresh(token)
    assert refused.value.code == "invalid_token"
