"""Any OpenAI client can talk to the copilot: the real `openai` SDK against the gateway."""

import httpx
import openai
import pytest

from tests.e2e.conftest import RunningSystem


@pytest.fixture
def client(system: RunningSystem) -> openai.OpenAI:
    with httpx.Client(base_url=system.gateway_url) as http:
        token = system.session_token(http)
    return openai.OpenAI(base_url=f"{system.gateway_url}/v1", api_key=token, max_retries=0)


def test_a_completion_answers_with_sources(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="coffee-copilot",
        messages=[{"role": "user", "content": "How should I store my coffee beans?"}],
        temperature=0.2,  # accepted and ignored
    )
    text = completion.choices[0].message.content or ""
    assert text.startswith("Offline assistant")
    assert "Sources:" in text and "storing-coffee-beans" in text
    assert completion.choices[0].finish_reason == "stop"


def test_a_streamed_completion_arrives_in_pieces_and_continues_the_conversation(
    client: openai.OpenAI,
) -> None:
    stream = client.chat.completions.create(
        model="coffee-copilot",
        messages=[{"role": "user", "content": "Do you offer coffee subscriptions?"}],
        stream=True,
    )
    chunks = list(stream)
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) >= 2 and "subscription" in "".join(pieces).lower()
    assert chunks[-1].choices[0].finish_reason == "stop"
    conversation_id = chunks[0].model_extra["conversation_id"]  # type: ignore[index]
    follow_up = client.chat.completions.create(
        model="coffee-copilot",
        messages=[{"role": "user", "content": "How do I pause it?"}],
        extra_body={"conversation_id": conversation_id},
    )
    assert follow_up.model_extra["conversation_id"] == conversation_id  # type: ignore[index]


def test_a_bad_key_is_refused(system: RunningSystem) -> None:
    stranger = openai.OpenAI(base_url=f"{system.gateway_url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        stranger.chat.completions.create(
            model="coffee-copilot", messages=[{"role": "user", "content": "hi"}]
        )


def test_without_a_user_message_it_is_a_clear_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as refused:
        client.chat.completions.create(
            model="coffee-copilot", messages=[{"role": "system", "content": "Be brief."}]
        )
    assert "user message" in str(refused.value)
