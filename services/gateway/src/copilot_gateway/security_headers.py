"""Security headers on every response, as helmet sets them, with a CSP per kind of page.

API answers are data, never documents: their policy forbids everything. The demo page may
load only its own scripts and styles (its one inline style block by hash), and talk only
to its own origin. HSTS is sent in production, where the gateway is served over HTTPS."""

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = "max-age=63072000; includeSubDomains"
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)

COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def page_csp(html: str) -> str:
    """The policy of a page of ours: its inline style blocks are allowed by their hashes."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in _INLINE_STYLE.findall(html)
    )
    return (
        "default-src 'none'; script-src 'self'; "
        f"style-src 'self' {hashes}; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Pure ASGI middleware (it must not buffer streamed responses)."""

    def __init__(
        self,
        app: ASGIApp,
        page_policies: Mapping[str, str],
        hsts: bool,
        unpoliced_paths: frozenset[str] = frozenset(),
    ) -> None:
        """`page_policies`: CSP by path for pages; `unpoliced_paths` get no CSP (the
        development-only API explorer, which loads its own scripts)."""
        self.app = app
        self.page_policies = dict(page_policies)
        self.unpoliced_paths = unpoliced_paths
        self.fixed = [(k.encode(), v.encode()) for k, v in COMMON_HEADERS.items()]
        if hsts:
            self.fixed.append((b"strict-transport-security", HSTS.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        csp = None if path in self.unpoliced_paths else self.page_policies.get(path, API_CSP)
        api = path.startswith(("/api/", "/v1/"))  # answers with tokens and visitors' data

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.fixed if k not in present]
                if csp is not None and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp.encode()))
                if api and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
