from collections.abc import AsyncIterator

import pytest

from tests.services.orchestrator.adapters.resilient_turns import OPEN_CLIENTS


@pytest.fixture(autouse=True)
async def close_model_clients() -> AsyncIterator[None]:
    """The HTTP clients the test's rigs opened, closed in the event loop that opened them."""
    yield
    while OPEN_CLIENTS:
        await OPEN_CLIENTS.pop().close()
