"""System prompts as versioned files, split between conversations deterministically."""

from collections import Counter

import pytest
from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import ModelResponse
from copilot_orchestrator.domain.prompts import (
    SYSTEM_PROMPT,
    PromptVariants,
    available_variants,
    parse_split,
    prompt_text,
)
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)


def test_the_prompts_are_files_and_the_default_is_the_system_prompt() -> None:
    assert {"default", "concise"} <= set(available_variants())
    assert prompt_text("default") == SYSTEM_PROMPT
    assert prompt_text("concise") != SYSTEM_PROMPT


def test_a_conversation_keeps_its_variant_and_the_split_follows_the_weights() -> None:
    variants = PromptVariants(parse_split("default=3,concise=1"))
    assert variants.variant_for("conversation-1") == variants.variant_for("conversation-1")
    shares = Counter(variants.variant_for(f"c{n}") for n in range(4000))
    assert 0.72 < shares["default"] / 4000 < 0.78


@pytest.mark.parametrize("spec", ["", "missing=1", "default=0", "default=-1,concise=2"])
def test_a_bad_split_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match=r"PROMPT_VARIANTS|no system prompt"):
        parse_split(spec)


class PromptReader:
    """A model that notes the system prompt it was given."""

    name = "reader"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def respond(self, state: TurnState, tools: object, on_text: object) -> ModelResponse:
        self.prompts.append(state.messages[0]["content"])
        return ModelResponse(text="Hello!")


async def test_each_conversation_is_answered_under_its_variants_prompt() -> None:
    variants = PromptVariants(parse_split("concise=1"))
    model = PromptReader()
    runner = TurnRunner(model, ScriptedTransport({}), MemoryHistory(), [], 1, prompts=variants)
    sink = RecordingSink()
    await runner.run(TurnInput("c1", "t1", "hello"), sink)
    assert sink.events[-1].type == "done"
    assert model.prompts == [prompt_text("concise")]
