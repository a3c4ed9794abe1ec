"""The widget's scripts: the small loader a host page embeds, and the modules it loads on
first open. Gzipped once at start; any site may load them (they hold no secrets)."""

import gzip
from dataclasses import dataclass
from importlib.resources import files

from fastapi import APIRouter, Request, Response

from copilot_gateway.errors import ApiError

_STATIC = files("copilot_gateway") / "static"
LOADER = "widget.js"
MODULES = ("widget-app.js", "widget-api.js", "widget-markdown.js", "widget-styles.js")


@dataclass(frozen=True)
class Asset:
    plain: bytes
    gzipped: bytes


def load_assets() -> dict[str, Asset]:
    assets = {}
    for name in (LOADER, *MODULES):
        plain = (_STATIC / name).read_bytes()
        assets[name] = Asset(plain, gzip.compress(plain, compresslevel=9, mtime=0))
    return assets


def widget_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    assets = load_assets()

    @router.get("/{name}.js")
    async def script(name: str, request: Request) -> Response:
        asset = assets.get(f"{name}.js")
        if asset is None:
            raise ApiError(404, "not_found", "No such script.")
        headers = {
            "Access-Control-Allow-Origin": "*",
            "Cache-Control": "public, max-age=300",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        body = asset.plain
        if "gzip" in request.headers.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    return router
