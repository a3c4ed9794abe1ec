from fastapi import APIRouter, Request

from copilot_gateway.domain.sessions import SessionError, SessionIssuer
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import bearer_token
from copilot_gateway.routes.schemas import ErrorBody, SessionRequest, SessionResponse


def sessions_router(issuer: SessionIssuer, allowed_origins: list[str]) -> APIRouter:
    router = APIRouter(tags=["sessions"])

    @router.post(
        "/api/sessions",
        response_model=SessionResponse,
        status_code=201,
        responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    )
    async def create_session(body: SessionRequest, request: Request) -> SessionResponse:
        """Start a visitor session for a site key; the token authorises chat requests."""
        origin = request.headers.get("origin")
        if origin is not None and origin not in allowed_origins:
            raise ApiError(403, "origin_not_allowed", "This origin may not use the chat.")
        try:
            session, token = issuer.issue(body.site_key, consent=body.consent)
        except SessionError as exc:
            raise ApiError(403, exc.code, exc.message) from exc
        return SessionResponse(
            session_id=session.session_id, token=token, expires_at=session.expires_at
        )

    @router.post(
        "/api/sessions/refresh",
        response_model=SessionResponse,
        responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
    )
    async def refresh_session(request: Request) -> SessionResponse:
        """A new token for the same session (send the current one as the Bearer token; it may
        have expired within the last session lifetime): orders and conversations stay yours."""
        origin = request.headers.get("origin")
        if origin is not None and origin not in allowed_origins:
            raise ApiError(403, "origin_not_allowed", "This origin may not use the chat.")
        credentials = await bearer_token(request)
        if credentials is None:
            raise ApiError(401, "missing_token", "Send the session token as a Bearer token.")
        try:
            session, token = issuer.refresh(credentials.credentials)
        except SessionError as exc:
            raise ApiError(401, exc.code, exc.message) from exc
        return SessionResponse(
            session_id=session.session_id, token=token, expires_at=session.expires_at
        )

    return router
