"""Staff-only endpoints: the insights report, as JSON and as a page. A staff key
(STAFF_API_KEYS) is required, as a Bearer token or as the password of HTTP Basic (so a
browser can open the page); a visitor's session token is refused, whatever it says."""

import base64
import contextlib
import hashlib
import hmac
import logging
from typing import Annotated

from copilot_contracts import subjects
from copilot_contracts.insights import InsightsQuery, InsightsReport
from copilot_contracts.replies import ServiceError, read_reply
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import session_token
from copilot_gateway.routes.schemas import ErrorBody
from copilot_gateway.staff_page import render

log = logging.getLogger(__name__)


class StaffGuard:
    def __init__(self, keys: list[str]) -> None:
        # Kept as digests: compared in constant time, never held as the keys themselves.
        self._digests = [hashlib.sha256(key.encode()).digest() for key in keys]

    def _known(self, key: str) -> bool:
        digest = hashlib.sha256(key.encode()).digest()
        return any(hmac.compare_digest(digest, known) for known in self._digests)

    async def __call__(self, request: Request) -> None:
        if not self._known(await session_token(request)):
            raise ApiError(403, "staff_only", "This needs a staff key.")

    async def page(self, request: Request) -> None:
        """The browser's way: HTTP Basic, any user name, the staff key as the password."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        key = ""
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                key = base64.b64decode(value, validate=True).decode().partition(":")[2]
        if not key or not self._known(key):
            raise ApiError(
                401,
                "staff_only",
                "This page needs a staff key.",
                headers={"WWW-Authenticate": 'Basic realm="Coffee Copilot staff"'},
            )


async def fetch_report(bus: GatewayBus, query: InsightsQuery) -> InsightsReport:
    try:
        reply = await bus.broker.request(query, subjects.INSIGHTS_REPORT_QUERY, timeout=30)
        return read_reply(await reply.decode(), InsightsReport)
    except ServiceError as refused:  # e.g. a query this version of the service cannot read
        log.warning("insights report refused: %s", refused.code)
        raise ApiError(422, refused.code, f"The insights service: {refused.message}") from refused
    except Exception as exc:
        log.warning("no insights report: %s", type(exc).__name__)
        raise ApiError(503, "insights_unavailable", "The report is unavailable.") from exc


def admin_router(bus: GatewayBus, staff: StaffGuard) -> APIRouter:
    router = APIRouter(tags=["staff"])

    @router.get("/admin/insights", include_in_schema=False, dependencies=[Depends(staff.page)])
    async def page(
        days: Annotated[int, Query(ge=1, le=366)] = 7,
        variant: Annotated[str | None, Query(max_length=60)] = None,
    ) -> HTMLResponse:
        report = await fetch_report(bus, InsightsQuery(days=days, variant=variant))
        return HTMLResponse(render(report, days), headers={"Cache-Control": "no-store"})

    @router.get(
        "/api/admin/insights",
        dependencies=[Depends(staff)],
        response_model=InsightsReport,
        responses={s: {"model": ErrorBody} for s in (401, 403, 422, 503)},
    )
    async def insights(
        days: Annotated[int, Query(ge=1, le=366)] = 7,
        variant: Annotated[str | None, Query(max_length=60)] = None,
    ) -> InsightsReport:
        """The insights report for the last `days` days (staff key as the Bearer token)."""
        return await fetch_report(bus, InsightsQuery(days=days, variant=variant))

    return router
