"""A server in JetStream's strict mode that predates counters refuses the stream outright.

NATS 2.11 with `jetstream { strict: true }` answers the stream's creation with the error
below (seen from nats-server 2.11.11); the default mode of that version accepts the stream
without the setting, which the rate counter tests cover with a real older server. Neither
2.11 binary ships with the project, so this server is played by a stand-in for JetStream."""

from typing import cast

import pytest
from copilot_service_defaults.jetstream import ensure_counter_stream
from nats.js import JetStreamContext
from nats.js.api import StreamConfig, StreamInfo
from nats.js.errors import BadRequestError, NotFoundError

STRICT_REFUSAL = 'invalid JSON: json: unknown field "allow_msg_counter"'


class RefusingJetStream:
    def __init__(self, description: str) -> None:
        self.description = description
        self.created: list[StreamConfig] = []

    async def stream_info(self, name: str) -> StreamInfo:
        raise NotFoundError(code=404, err_code=10059, description="stream not found")

    async def add_stream(self, config: StreamConfig) -> StreamInfo:
        self.created.append(config)
        raise BadRequestError(code=400, err_code=10025, description=self.description)


async def test_a_strict_server_that_cannot_count_is_detected() -> None:
    js = RefusingJetStream(STRICT_REFUSAL)

    counts = await ensure_counter_stream(cast(JetStreamContext, js), "RC", "rc", 60)

    assert counts is False, "the gateway then counts in the KV bucket"
    assert js.created[0].allow_msg_counter is True


async def test_any_other_refusal_is_an_error() -> None:
    js = RefusingJetStream("subjects overlap with an existing stream")

    with pytest.raises(BadRequestError):
        await ensure_counter_stream(cast(JetStreamContext, js), "RC", "rc", 60)
