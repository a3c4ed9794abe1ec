"""Failures of the index store: a Qdrant server that is down, slow or answering errors
(or, in local path mode, a collection that is gone)."""

import httpx
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

INDEX_FAILURES = (
    UnexpectedResponse,
    ResponseHandlingException,
    httpx.HTTPError,
    ConnectionError,
    TimeoutError,
    ValueError,
)
