"""Request guards shared by the API routes: JSON bodies only, and a valid session token."""

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from copilot_gateway.domain.sessions import Session, SessionError, SessionIssuer
from copilot_gateway.errors import ApiError

bearer_token = HTTPBearer(auto_error=False)


async def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if not content_type.split(";")[0].strip().lower() == "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")


class SessionGuard:
    def __init__(self, issuer: SessionIssuer) -> None:
        self.issuer = issuer

    async def __call__(self, request: Request) -> Session:
        credentials: HTTPAuthorizationCredentials | None = await bearer_token(request)
        if credentials is None:
            raise ApiError(401, "missing_token", "Send the session token as a Bearer token.")
        try:
            return self.issuer.verify(credentials.credentials)
        except SessionError as exc:
            raise ApiError(401, exc.code, exc.message) from exc
