from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from copilot_gateway.adapters.bus import GatewayBus

_STATIC = files("copilot_gateway") / "static"
DEMO_PAGE_HTML = (_STATIC / "index.html").read_text(encoding="utf-8")


def pages_router(bus: GatewayBus) -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def demo_page() -> HTMLResponse:
        return HTMLResponse(DEMO_PAGE_HTML)

    @router.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Prometheus text format: chat requests, response times, active turns, feedback."""
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @router.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    @router.get(
        "/ready",
        tags=["operations"],
        responses={503: {"description": 'Not ready: `{"status": "not_ready", "problems"}`.'}},
    )
    async def ready() -> JSONResponse:
        """Readiness: connected to NATS with the chat stream and conversations store."""
        problems = {}
        try:
            if not await bus.connected():
                problems["nats"] = "not connected"
            _ = bus.conversations
        except Exception as exc:
            problems["nats"] = type(exc).__name__
        if problems:
            return JSONResponse({"status": "not_ready", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    return router
