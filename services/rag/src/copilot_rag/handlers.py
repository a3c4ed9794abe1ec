"""Bus handlers: decode the request, call the domain, reply."""

import logging
from typing import Any

from copilot_contracts import subjects
from copilot_contracts.tools import SearchDocsRequest, SearchDocsResult, ToolReply
from copilot_service_defaults.validation import validation_summary
from faststream.nats import NatsRouter
from pydantic import ValidationError

from copilot_rag.domain.search import DocsIndex, search_docs

log = logging.getLogger(__name__)


def build_router(index: DocsIndex) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(subjects.TOOL_RAG_SEARCH, queue="rag")
    async def search(body: dict[str, Any]) -> ToolReply[SearchDocsResult]:
        try:
            request = SearchDocsRequest.model_validate(body)
        except ValidationError as exc:
            return ToolReply.failed("invalid_arguments", validation_summary(exc))
        result = await search_docs(index, request.args)
        log.info("docs search returned %d passages", len(result.passages))
        return ToolReply.ok(result)

    return router
