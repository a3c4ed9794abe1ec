from datetime import UTC, datetime, timedelta

import pytest
from copilot_gateway.domain.sessions import SessionError, SessionIssuer

pytestmark = pytest.mark.security

SECRET = "test-secret-that-is-long-enough-for-hs256"
TTL = timedelta(minutes=30)
SHOP = "https://shop.example"


def issuer() -> SessionIssuer:
    return SessionIssuer(SECRET, TTL, {"site-a": frozenset({SHOP}), "site-b": frozenset()})


def test_a_renewal_keeps_the_session_its_consent_and_origin_under_a_new_token_id() -> None:
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    session, token = issuer().issue("site-a", SHOP, consent=True, now=ten_minutes_ago)
    old, renewed, new_token = issuer().renew(token, SHOP)
    assert old.token_id == session.token_id
    assert renewed.session_id == session.session_id and renewed.consent
    assert renewed.origin == SHOP and renewed.token_id != session.token_id
    assert renewed.expires_at - session.expires_at >= timedelta(minutes=9)
    assert issuer().verify(new_token, SHOP).session_id == session.session_id


def test_a_lately_expired_token_renews_but_an_old_one_does_not() -> None:
    issued_at = datetime.now(UTC) - TTL - timedelta(minutes=5)
    session, token = issuer().issue("site-a", now=issued_at)
    with pytest.raises(SessionError, match="expired"):
        issuer().verify(token)
    assert issuer().renew(token)[1].session_id == session.session_id
    _, ancient = issuer().issue("site-a", now=datetime.now(UTC) - 3 * TTL)
    with pytest.raises(SessionError) as refused:
        issuer().renew(ancient)
    assert refused.value.code == "token_expired"


def test_a_token_signed_elsewhere_never_verifies_or_renews() -> None:
    other = SessionIssuer("another-secret-that-is-long-enough!!", TTL, {"site-a": frozenset()})
    _, token = other.issue("site-a")
    for attempt in (issuer().verify, issuer().renew):
        with pytest.raises(SessionError) as refused:
            attempt(token)
        assert refused.value.code == "invalid_token"


def test_a_tampered_token_is_refused() -> None:
    _, token = issuer().issue("site-a", SHOP)
    header, claims, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    with pytest.raises(SessionError) as refused:
        issuer().verify(f"{header}.{claims}.{flipped}")
    assert refused.value.code == "invalid_token"


def test_a_site_key_is_refused_from_an_origin_it_is_not_bound_to() -> None:
    with pytest.raises(SessionError) as refused:
        issuer().issue("site-a", "https://evil.example")
    assert (refused.value.code, refused.value.status) == ("origin_not_allowed", 403)
    with pytest.raises(SessionError) as unknown:
        issuer().issue("site-z", SHOP)
    assert unknown.value.code == "unknown_site_key"


def test_a_token_is_refused_from_another_origin_than_it_was_issued_to() -> None:
    _, token = issuer().issue("site-a", SHOP)
    with pytest.raises(SessionError) as refused:
        issuer().verify(token, "https://evil.example")
    assert (refused.value.code, refused.value.status) == ("origin_mismatch", 403)
    _, originless = issuer().issue("site-a")  # a terminal client: no browser origin
    with pytest.raises(SessionError):
        issuer().verify(originless, SHOP)


def test_a_token_of_a_site_key_that_was_withdrawn_is_refused() -> None:
    _, token = issuer().issue("site-b")
    withdrawn = SessionIssuer(SECRET, TTL, {"site-a": frozenset({SHOP})})
    with pytest.raises(SessionError) as refused:
        withdrawn.verify(token)
    assert refused.value.code == "invalid_token"


def test_a_verified_visitor_id_travels_in_the_token() -> None:
    _, token = issuer().issue("site-a", SHOP, visitor_id="user-42")
    assert issuer().verify(token, SHOP).visitor_id == "user-42"
    assert issuer().renew(token, SHOP)[1].visitor_id == "user-42"


def test_a_token_from_an_origin_the_site_key_no_longer_allows_is_refused() -> None:
    _, token = issuer().issue("site-a", SHOP)
    narrowed = SessionIssuer(SECRET, TTL, {"site-a": frozenset({"https://new.example"})})
    with pytest.raises(SessionError) as refused:
        narrowed.verify(token)
    assert refused.value.code == "invalid_token"
