"""Which backend `agentplug run` picks without a config."""

from __future__ import annotations

import pytest

from agentplug.core.host import PluginHost
from agentplug.selection import choose_backend


@pytest.fixture(scope="module")
def registry():
    return PluginHost(load_entry_points=False).registry


def test_named_backend_wins_over_keys(registry):
    raw, reason = choose_backend("local", None, {"OPENAI_API_KEY": "k"}, registry)
    assert raw == {"type": "local"} and reason == ""


def test_provider_key_picks_its_backend_and_says_why(registry):
    raw, reason = choose_backend(None, "gpt-5", {"OPENAI_API_KEY": "k"}, registry)
    assert raw == {"type": "openai", "model": "gpt-5"}
    assert "OPENAI_API_KEY" in reason and "--backend local" in reason and "\n" not in reason


def test_first_provider_in_order_wins(registry):
    raw, reason = choose_backend(None, None, {"GEMINI_API_KEY": "g", "ANTHROPIC_API_KEY": "a"},
                                 registry)
    assert raw["type"] == "claude" and "ANTHROPIC_API_KEY" in reason


def test_google_api_key_counts_for_gemini(registry):
    raw, _ = choose_backend(None, None, {"GOOGLE_API_KEY": "g"}, registry)
    assert raw["type"] == "gemini"


def test_empty_key_is_ignored_and_local_is_the_default(registry):
    raw, reason = choose_backend(None, None, {"OPENAI_API_KEY": ""}, registry)
    assert raw == {"type": "local"} and reason == ""
