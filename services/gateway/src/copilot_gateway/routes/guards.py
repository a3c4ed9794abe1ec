"""Request guards shared by the API routes: JSON bodies only, a valid session token from
the website it was issued to, and rate limits."""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from copilot_gateway.adapters.token_revocations import TokenRevocations
from copilot_gateway.domain.rate_limits import RateCheck, RateLimited, RateLimiter, RateRule
from copilot_gateway.domain.sessions import Session, SessionError, SessionIssuer
from copilot_gateway.errors import ApiError

log = logging.getLogger(__name__)
bearer_token = HTTPBearer(auto_error=False)


async def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.split(";")[0].strip().lower() == "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")


def client_ip(request: Request) -> str:
    # Behind a proxy, uvicorn puts the visitor's address here from X-Forwarded-For, but only
    # for proxies listed in FORWARDED_ALLOW_IPS.
    return request.client.host if request.client else "unknown"


async def session_token(request: Request) -> str:
    credentials: HTTPAuthorizationCredentials | None = await bearer_token(request)
    if credentials is None:
        raise ApiError(401, "missing_token", "Send the session token as a Bearer token.")
    return credentials.credentials


class SessionGuard:
    def __init__(self, issuer: SessionIssuer, revocations: TokenRevocations) -> None:
        self.issuer = issuer
        self.revocations = revocations

    async def __call__(self, request: Request) -> Session:
        token = await session_token(request)
        try:
            session = self.issuer.verify(token, request.headers.get("origin"))
        except SessionError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        try:
            revoked = await self.revocations.is_revoked(session)
        except Exception as exc:
            log.warning("could not check token revocation: %s", type(exc).__name__)
            raise ApiError(503, "bus_unavailable", "Please try again in a moment.") from exc
        if revoked:
            raise ApiError(401, "token_revoked", "This session token was replaced or revoked.")
        return session


def too_many_requests(exc: RateLimited) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"Too many requests; please try again in {exc.retry_after_s} seconds.",
        headers={"Retry-After": str(exc.retry_after_s)},
    )


class RateLimits:
    """Dependencies that count a request against its limits (429 with Retry-After)."""

    def __init__(
        self,
        limiter: RateLimiter,
        guard: SessionGuard,
        *,
        chat_per_session: RateRule,
        chat_per_ip: RateRule,
        chat_per_site: RateRule,
        api_per_session: RateRule,
        sessions_per_ip: RateRule,
    ) -> None:
        self._limiter = limiter
        self.chat = self._session_dependency(
            guard,
            lambda session, ip: [
                RateCheck("chat_session", chat_per_session, session.session_id),
                RateCheck("chat_ip", chat_per_ip, ip),
                RateCheck("chat_site", chat_per_site, session.site_key),
            ],
        )
        self._api_per_session = api_per_session
        self.api = self._session_dependency(guard, lambda session, ip: self._api_checks(session))
        self._sessions_per_ip = sessions_per_ip

    def _api_checks(self, session: Session) -> list[RateCheck]:
        return [RateCheck("api_session", self._api_per_session, session.session_id)]

    async def api_for(self, session: Session) -> None:
        await self._check(self._api_checks(session))

    async def sessions(self, request: Request) -> None:
        await self._check([RateCheck("sessions_ip", self._sessions_per_ip, client_ip(request))])

    def _session_dependency(
        self, guard: SessionGuard, checks: Callable[[Session, str], list[RateCheck]]
    ) -> Callable[[Request, Session], Awaitable[None]]:
        async def dependency(request: Request, session: Annotated[Session, Depends(guard)]) -> None:
            await self._check(checks(session, client_ip(request)))

        return dependency

    async def _check(self, checks: list[RateCheck]) -> None:
        try:
            await self._limiter.check(checks)
        except RateLimited as exc:
            log.info("rate limited: %s", exc.scope)
            raise too_many_requests(exc) from exc
