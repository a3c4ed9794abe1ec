"""System prompts: versioned as files (prompts/<variant>.md), and a configured split that
gives each conversation one variant for its whole life, the same on every replica."""

import hashlib
from dataclasses import dataclass
from importlib.resources import files

DEFAULT_VARIANT = "default"
_PROMPTS = files("copilot_orchestrator") / "prompts"


def prompt_text(variant: str) -> str:
    resource = _PROMPTS / f"{variant}.md"
    if not resource.is_file():
        raise ValueError(f"no system prompt {variant!r} (prompts/{variant}.md)")
    return resource.read_text(encoding="utf-8")


def available_variants() -> list[str]:
    return sorted(p.name.removesuffix(".md") for p in _PROMPTS.iterdir() if p.name.endswith(".md"))


SYSTEM_PROMPT = prompt_text(DEFAULT_VARIANT)


def parse_split(spec: str) -> dict[str, int]:
    """'default=50,concise=50' (a bare name weighs 1); every variant must have its file."""
    split: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, _, weight = part.partition("=")
        split[name.strip()] = int(weight) if weight.strip() else 1
    if not split or any(w < 0 for w in split.values()) or not sum(split.values()):
        raise ValueError(f"PROMPT_VARIANTS {spec!r}: give name=weight pairs, weights above 0")
    for name in split:
        prompt_text(name)
    return split


@dataclass(frozen=True)
class PromptVariants:
    split: dict[str, int]

    @classmethod
    def single(cls) -> "PromptVariants":
        return cls({DEFAULT_VARIANT: 1})

    def variant_for(self, conversation_id: str) -> str:
        """The conversation's variant: by a hash of its id, in proportion to the weights."""
        point = int(hashlib.sha256(conversation_id.encode()).hexdigest()[:12], 16)
        point %= sum(self.split.values())
        for name, weight in sorted(self.split.items()):
            if point < weight:
                return name
            point -= weight
        raise AssertionError("unreachable: the weights cover every point")

    def texts(self) -> list[str]:
        return [prompt_text(name) for name in sorted(self.split)]
