"""Visitor sessions as short-lived signed tokens (HS256 JWTs)."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

_ALGORITHM = "HS256"
_AUDIENCE = "coffee-copilot-chat"


class SessionError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Session:
    session_id: str
    site_key: str
    expires_at: datetime
    consent: bool = False


class SessionIssuer:
    def __init__(self, secret: str, ttl: timedelta, site_keys: list[str]) -> None:
        self._secret = secret
        self._ttl = ttl
        self._site_keys = frozenset(site_keys)

    def issue(
        self, site_key: str, now: datetime | None = None, consent: bool = False
    ) -> tuple[Session, str]:
        if site_key not in self._site_keys:
            raise SessionError("unknown_site_key", "This site key is not known.")
        now = now or datetime.now(UTC)
        return self._sign(secrets.token_hex(16), site_key, consent, now)

    def refresh(self, token: str, now: datetime | None = None) -> tuple[Session, str]:
        """The same session with a new expiry, from a token that is valid or expired lately
        (within one session lifetime): a visitor's orders and conversations stay theirs."""
        now = now or datetime.now(UTC)
        session = self.verify(token, leeway=self._ttl)
        return self._sign(session.session_id, session.site_key, session.consent, now)

    def _sign(
        self, session_id: str, site_key: str, consent: bool, now: datetime
    ) -> tuple[Session, str]:
        session = Session(
            session_id=session_id,
            site_key=site_key,
            expires_at=now + self._ttl,
            consent=consent,
        )
        claims = {
            "sid": session.session_id,
            "site": site_key,
            "aud": _AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int(session.expires_at.timestamp()),
            "consent": consent,
        }
        return session, jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str, leeway: timedelta = timedelta(0)) -> Session:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                leeway=leeway,
                options={"require": ["exp", "sid", "site", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SessionError("token_expired", "The session has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise SessionError("invalid_token", "The session token is not valid.") from exc
        if claims["site"] not in self._site_keys:
            raise SessionError("invalid_token", "The session's site key is no longer valid.")
        return Session(
            session_id=str(claims["sid"]),
            site_key=str(claims["site"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            consent=bool(claims.get("consent", False)),
        )
