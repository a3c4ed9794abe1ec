"""Visitor sessions as short-lived signed tokens (HS256 JWTs).

A token names its session, its site key, the page origin it was issued to (browsers send it
with every request, so a token copied to another site is refused there) and a token id
that a refresh retires: a token is renewed once, and the old one stops working."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

_ALGORITHM = "HS256"
_AUDIENCE = "coffee-copilot-chat"


class SessionError(Exception):
    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Session:
    session_id: str
    site_key: str
    expires_at: datetime
    consent: bool = False
    origin: str | None = None
    token_id: str = ""
    visitor_id: str | None = None
    """The host site's signed-in user, when the site vouched for it (identity verification)."""


def origin_mismatch() -> SessionError:
    return SessionError("origin_mismatch", "This session belongs to another website.", status=403)


class SessionIssuer:
    def __init__(
        self, secret: str, ttl: timedelta, site_origins: Mapping[str, frozenset[str]]
    ) -> None:
        """`site_origins`: each site key and the page origins it may be used from."""
        self._secret = secret
        self._ttl = ttl
        self._site_origins = dict(site_origins)

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def issue(
        self,
        site_key: str,
        origin: str | None = None,
        *,
        consent: bool = False,
        visitor_id: str | None = None,
        now: datetime | None = None,
    ) -> tuple[Session, str]:
        origins = self._site_origins.get(site_key)
        if origins is None:
            raise SessionError("unknown_site_key", "This site key is not known.", status=403)
        if origin is not None and origin not in origins:
            raise SessionError(
                "origin_not_allowed", "This site key may not be used from this origin.", 403
            )
        session = Session(
            session_id=secrets.token_hex(16),
            site_key=site_key,
            expires_at=(now or datetime.now(UTC)) + self._ttl,
            consent=consent,
            origin=origin,
            visitor_id=visitor_id,
        )
        return self._sign(session, now or datetime.now(UTC))

    def renew(
        self,
        token: str,
        origin: str | None = None,
        now: datetime | None = None,
        consent: bool | None = None,
    ) -> tuple[Session, Session, str]:
        """The same session with a new expiry, from a token that is valid or expired lately
        (within one session lifetime): a visitor's orders and conversations stay theirs.
        `consent`, when given, is the visitor's new choice. Returns the old session (whose
        token id the caller retires), the new one and its token."""
        now = now or datetime.now(UTC)
        old = self.verify(token, origin, leeway=self._ttl)
        renewed = Session(
            session_id=old.session_id,
            site_key=old.site_key,
            expires_at=now + self._ttl,
            consent=old.consent if consent is None else consent,
            origin=old.origin,
            visitor_id=old.visitor_id,
        )
        session, new_token = self._sign(renewed, now)
        return old, session, new_token

    def _sign(self, session: Session, now: datetime) -> tuple[Session, str]:
        token_id = secrets.token_hex(12)
        claims = {
            "sid": session.session_id,
            "site": session.site_key,
            "aud": _AUDIENCE,
            "jti": token_id,
            "iat": int(now.timestamp()),
            "exp": int(session.expires_at.timestamp()),
            "consent": session.consent,
            "origin": session.origin,
            "vid": session.visitor_id,
        }
        signed = Session(**{**session.__dict__, "token_id": token_id})
        return signed, jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(
        self, token: str, origin: str | None = None, leeway: timedelta = timedelta(0)
    ) -> Session:
        """The token's session; `origin` is the request's Origin header, when it has one."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                leeway=leeway,
                options={"require": ["exp", "sid", "site", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SessionError("token_expired", "The session has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise SessionError("invalid_token", "The session token is not valid.") from exc
        site_origins = self._site_origins.get(claims["site"])
        if site_origins is None:
            raise SessionError("invalid_token", "The session's site key is no longer valid.")
        bound_origin = claims.get("origin")
        if bound_origin is not None and bound_origin not in site_origins:
            raise SessionError("invalid_token", "The session's website is no longer allowed.")
        if origin is not None and origin != bound_origin:
            raise origin_mismatch()
        return Session(
            session_id=str(claims["sid"]),
            site_key=str(claims["site"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            consent=bool(claims.get("consent", False)),
            origin=bound_origin,
            token_id=str(claims["jti"]),
            visitor_id=claims.get("vid"),
        )
