"""Staff-only endpoints: the insights report. A staff key (STAFF_API_KEYS) is required;
a visitor's session token is refused, whatever it says."""

import hashlib
import hmac
import logging
from typing import Annotated

from copilot_contracts import subjects
from copilot_contracts.insights import InsightsQuery, InsightsReport
from fastapi import APIRouter, Depends, Query, Request

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import session_token
from copilot_gateway.routes.schemas import ErrorBody

log = logging.getLogger(__name__)


class StaffGuard:
    def __init__(self, keys: list[str]) -> None:
        # Kept as digests: compared in constant time, never held as the keys themselves.
        self._digests = [hashlib.sha256(key.encode()).digest() for key in keys]

    async def __call__(self, request: Request) -> None:
        token = await session_token(request)
        digest = hashlib.sha256(token.encode()).digest()
        if not any(hmac.compare_digest(digest, known) for known in self._digests):
            raise ApiError(403, "staff_only", "This needs a staff key.")


def admin_router(bus: GatewayBus, staff: StaffGuard) -> APIRouter:
    router = APIRouter(tags=["staff"], dependencies=[Depends(staff)])

    @router.get(
        "/api/admin/insights",
        response_model=InsightsReport,
        responses={s: {"model": ErrorBody} for s in (401, 403, 422, 503)},
    )
    async def insights(
        days: Annotated[int, Query(ge=1, le=366)] = 7,
        variant: Annotated[str | None, Query(max_length=60)] = None,
    ) -> InsightsReport:
        """The insights report for the last `days` days (staff key as the Bearer token)."""
        query = InsightsQuery(days=days, variant=variant)
        try:
            reply = await bus.broker.request(query, subjects.INSIGHTS_REPORT_QUERY, timeout=30)
            return InsightsReport.model_validate(await reply.decode())
        except Exception as exc:
            log.warning("no insights report: %s", type(exc).__name__)
            raise ApiError(503, "insights_unavailable", "The report is unavailable.") from exc

    return router
