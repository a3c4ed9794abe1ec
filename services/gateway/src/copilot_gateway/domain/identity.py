"""Verified visitor identity: the host site vouches for its signed-in user.

The site's server computes `user_hash = hex(HMAC-SHA256(IDENTITY_SECRET, "<user_id>:<issued_at>"))`
with `issued_at` in Unix seconds and puts all three on the page. A hash is accepted for
`max_age` after `issued_at`, so one copied from a page stops working soon after."""

import hashlib
import hmac
import time
from dataclasses import dataclass

from copilot_gateway.domain.sessions import SessionError

CLOCK_SKEW_S = 60


@dataclass(frozen=True)
class IdentityClaim:
    user_id: str
    issued_at: int
    user_hash: str


def sign_identity(secret: str, user_id: str, issued_at: int) -> str:
    """What the host site computes (shown in the docs; used by tests)."""
    message = f"{user_id}:{issued_at}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class IdentityVerifier:
    def __init__(self, secret: str | None, max_age_s: int) -> None:
        self._secret = secret
        self._max_age_s = max_age_s

    def verify(self, claim: IdentityClaim, now: float | None = None) -> str:
        """The verified user id, or a SessionError saying why it is refused."""
        if not self._secret:
            raise SessionError(
                "identity_not_enabled", "Visitor identity is not enabled on this site.", 400
            )
        expected = sign_identity(self._secret, claim.user_id, claim.issued_at)
        if not hmac.compare_digest(expected, claim.user_hash.lower()):
            raise SessionError("identity_invalid", "The visitor identity is not valid.", 403)
        age = (now if now is not None else time.time()) - claim.issued_at
        if age > self._max_age_s or age < -CLOCK_SKEW_S:
            raise SessionError(
                "identity_expired", "The visitor identity has expired; reload the page.", 403
            )
        return claim.user_id
