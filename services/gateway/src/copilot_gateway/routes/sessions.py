from typing import Annotated

from fastapi import APIRouter, Depends, Request

from copilot_gateway.adapters.token_revocations import TokenRevocations
from copilot_gateway.domain.identity import IdentityClaim, IdentityVerifier
from copilot_gateway.domain.sessions import Session, SessionError, SessionIssuer
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import RateLimits, require_json, session_token
from copilot_gateway.routes.schemas import (
    ConsentRequest,
    ErrorBody,
    SessionRequest,
    SessionResponse,
)


def _response(session: Session, token: str) -> SessionResponse:
    return SessionResponse(
        session_id=session.session_id, token=token, expires_at=session.expires_at
    )


def sessions_router(
    issuer: SessionIssuer,
    revocations: TokenRevocations,
    identity: IdentityVerifier,
    limits: RateLimits,
) -> APIRouter:
    router = APIRouter(tags=["sessions"])

    @router.post(
        "/api/sessions",
        response_model=SessionResponse,
        status_code=201,
        dependencies=[Depends(require_json), Depends(limits.sessions)],
        responses={s: {"model": ErrorBody} for s in (400, 403, 413, 415, 422, 429)},
    )
    async def create_session(body: SessionRequest, request: Request) -> SessionResponse:
        """Start a visitor session for a site key, from a page origin the key is bound to;
        the token authorises chat requests from that origin only."""
        try:
            visitor_id = None
            if body.identity is not None:
                claim = IdentityClaim(**body.identity.model_dump())
                visitor_id = identity.verify(claim)
            session, token = issuer.issue(
                body.site_key,
                request.headers.get("origin"),
                consent=body.consent,
                visitor_id=visitor_id,
            )
        except SessionError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        return _response(session, token)

    async def renewed(request: Request, token: str, consent: bool | None = None) -> SessionResponse:
        try:
            old, session, new_token = issuer.renew(
                token, request.headers.get("origin"), consent=consent
            )
        except SessionError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        await limits.api_for(old)
        try:
            revoked = await revocations.is_revoked(old)
            first_renewal = not revoked and await revocations.retire(old.token_id)
        except Exception as exc:
            raise ApiError(503, "bus_unavailable", "Please try again in a moment.") from exc
        if not first_renewal:
            raise ApiError(401, "token_revoked", "This session token was replaced or revoked.")
        return _response(session, new_token)

    @router.post(
        "/api/sessions/refresh",
        response_model=SessionResponse,
        responses={s: {"model": ErrorBody} for s in (401, 403, 429, 503)},
    )
    async def refresh_session(
        request: Request, token: Annotated[str, Depends(session_token)]
    ) -> SessionResponse:
        """A new token for the same session (send the current one as the Bearer token; it may
        have expired within the last session lifetime): orders and conversations stay yours.
        A token is renewed once: afterwards it, and any replay of it, is refused."""
        return await renewed(request, token)

    @router.post(
        "/api/sessions/consent",
        response_model=SessionResponse,
        dependencies=[Depends(require_json)],
        responses={s: {"model": ErrorBody} for s in (400, 401, 403, 413, 415, 422, 429, 503)},
    )
    async def change_consent(
        body: ConsentRequest, request: Request, token: Annotated[str, Depends(session_token)]
    ) -> SessionResponse:
        """The visitor gives or withdraws consent to keep the conversation: a new token for
        the same session carries the choice for the turns that follow; the current token is
        retired, as on a refresh."""
        return await renewed(request, token, body.consent)

    return router
