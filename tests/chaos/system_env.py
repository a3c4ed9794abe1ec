"""The settings every chaos system runs with: the scripted model, the fake GitHub, and rate
limits the visitors of the load never reach."""

import os

from tests.support.fake_github import FakeGithub
from tests.support.scripted_llm import ScriptedLLM

UNLIMITED = "100000/15m"


def chaos_env(llm: ScriptedLLM, github: FakeGithub) -> dict[str, str]:
    env = {
        "LLM_PROVIDER": "openai",
        "OPENAI_API_KEY": "sk-chaos-not-a-real-key",
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_MODEL": llm.model,
        "GITHUB_TOKEN": github.token,
        "GITHUB_REPO": github.repo,
        "GITHUB_API_URL": github.url,
        "CHAT_RATE_LIMIT": UNLIMITED,
        "CHAT_RATE_LIMIT_PER_SITE": UNLIMITED,
        "API_RATE_LIMIT": UNLIMITED,
    }
    # Runs of the suite share one embedding cache; CHAOS_EMBEDDING_CACHE keeps one across runs.
    if cache := os.environ.get("CHAOS_EMBEDDING_CACHE"):
        env["EMBEDDING_CACHE_PATH"] = cache
    return env
