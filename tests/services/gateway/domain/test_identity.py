import time

import pytest
from copilot_gateway.domain.identity import IdentityClaim, IdentityVerifier, sign_identity
from copilot_gateway.domain.sessions import SessionError

pytestmark = pytest.mark.security

SECRET = "identity-secret-that-is-long-enough-0123"


def claim(user_id: str = "user-42", age_s: float = 0, secret: str = SECRET) -> IdentityClaim:
    issued_at = int(time.time() - age_s)
    return IdentityClaim(user_id, issued_at, sign_identity(secret, user_id, issued_at))


def refusal(verifier: IdentityVerifier, identity: IdentityClaim) -> str:
    with pytest.raises(SessionError) as refused:
        verifier.verify(identity)
    return refused.value.code


def test_a_fresh_identity_signed_with_the_site_secret_is_verified() -> None:
    assert IdentityVerifier(SECRET, 600).verify(claim()) == "user-42"


def test_a_hash_for_another_user_or_another_secret_is_refused() -> None:
    verifier = IdentityVerifier(SECRET, 600)
    forged = claim()
    assert refusal(verifier, IdentityClaim("user-43", forged.issued_at, forged.user_hash)) == (
        "identity_invalid"
    )
    assert refusal(verifier, claim(secret="x" * 40)) == "identity_invalid"


def test_a_replayed_identity_older_than_the_maximum_age_is_refused() -> None:
    assert refusal(IdentityVerifier(SECRET, 600), claim(age_s=601)) == "identity_expired"


def test_identity_is_refused_where_the_site_has_not_enabled_it() -> None:
    assert refusal(IdentityVerifier(None, 600), claim()) == "identity_not_enabled"
