"""A local fake of the GitHub REST API: the part PyGithub uses to find and file issues.

It keeps issues in memory, checks the token, filters issue lists the way GitHub does
(state, labels, newest first) and can be told to refuse the next requests (a rate limit, a
5xx, a 502 after the issue was filed all the same), so tests exercise the real PyGithub
client over real HTTP."""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.http_server import BackgroundServer


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    # Only a request with this method is refused ("POST": filing); None refuses any request.
    method: str | None = None
    # Act on the request first, then answer with the refusal: a reply lost on the way back.
    after_effect: bool = False

    @classmethod
    def rate_limit(
        cls, retry_after: str | None = "60", reset_at: int | None = None, status: int = 403
    ) -> "Refusal":
        headers = {"x-ratelimit-remaining": "0"}
        if retry_after is not None:
            headers["retry-after"] = retry_after
        if reset_at is not None:
            headers["x-ratelimit-reset"] = str(reset_at)
        return cls(status, "API rate limit exceeded", headers)

    @classmethod
    def server_error(
        cls, status: int = 502, method: str | None = None, after_effect: bool = False
    ) -> "Refusal":
        return cls(status, "Server Error", method=method, after_effect=after_effect)

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"message": self.message}, status_code=self.status, headers=self.headers
        )


class FakeGithub:
    def __init__(self, repo: str = "ember-oak/website", token: str = "ghp_test") -> None:
        self.repo = repo
        self.token = token
        self.issues: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._refusals: list[Refusal] = []
        self._lock = threading.Lock()
        base = "/repos/{owner}/{name}"
        self._server = BackgroundServer(
            Starlette(
                routes=[
                    Route(base, self._get_repo, methods=["GET"]),
                    Route(f"{base}/issues", self._list_issues, methods=["GET"]),
                    Route(f"{base}/issues", self._create_issue, methods=["POST"]),
                ]
            )
        )

    @property
    def url(self) -> str:
        return self._server.url

    def refuse_next(self, refusal: Refusal, times: int = 1) -> None:
        """Refuse the next `times` requests that `refusal` applies to, after earlier ones."""
        with self._lock:
            self._refusals.extend([refusal] * times)

    def posts(self) -> int:
        return sum(1 for method, _ in self.requests if method == "POST")

    def __enter__(self) -> "FakeGithub":
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def _take_refusal(self, request: Request) -> Refusal | None:
        with self._lock:
            self.requests.append((request.method, request.url.path))
            for index, refusal in enumerate(self._refusals):
                if refusal.method in (None, request.method):
                    return self._refusals.pop(index)
        return None

    def _check(self, request: Request) -> JSONResponse | None:
        """A refusal or an error answer for `request`, or None to go ahead."""
        if (refusal := self._take_refusal(request)) is not None:
            return refusal.response()
        return self._deny(request)

    def _deny(self, request: Request) -> JSONResponse | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or token != self.token:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        owner, name = request.path_params["owner"], request.path_params["name"]
        if f"{owner}/{name}" != self.repo:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return None

    def _repo_json(self) -> dict[str, Any]:
        owner, name = self.repo.split("/")
        return {
            "id": 1,
            "name": name,
            "full_name": self.repo,
            "owner": {"login": owner, "id": 2, "type": "Organization"},
            "url": f"{self.url}/repos/{self.repo}",
            "html_url": f"https://github.test/{self.repo}",
            "private": False,
        }

    async def _get_repo(self, request: Request) -> JSONResponse:
        return self._check(request) or JSONResponse(self._repo_json())

    async def _list_issues(self, request: Request) -> JSONResponse:
        if (refused := self._check(request)) is not None:
            return refused
        state = request.query_params.get("state", "open")
        wanted = {x for x in request.query_params.get("labels", "").split(",") if x}
        with self._lock:
            found = [
                issue
                for issue in reversed(self.issues)
                if (state == "all" or issue["state"] == state)
                and wanted <= {label["name"] for label in issue["labels"]}
            ]
        per_page = int(request.query_params.get("per_page", 30))
        return JSONResponse(found[:per_page])

    async def _create_issue(self, request: Request) -> JSONResponse:
        refusal = self._take_refusal(request)
        if refusal is not None and not refusal.after_effect:
            return refusal.response()
        if (denied := self._deny(request)) is not None:
            return denied
        body = await request.json()
        if not str(body.get("title", "")).strip():
            return JSONResponse({"message": "Validation Failed"}, status_code=422)
        with self._lock:
            number = len(self.issues) + 1
            issue = {
                "id": 1000 + number,
                "number": number,
                "title": body["title"],
                "body": body.get("body"),
                "state": "open",
                "labels": [{"name": name} for name in body.get("labels", [])],
                "url": f"{self.url}/repos/{self.repo}/issues/{number}",
                "html_url": f"https://github.test/{self.repo}/issues/{number}",
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            self.issues.append(issue)
        if refusal is not None:
            return refusal.response()
        return JSONResponse(issue, status_code=201)
