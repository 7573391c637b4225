"""Claude Code reports its own cost (the CLI's ``total_cost_usd``): agentplug keeps it, and it
agrees with the genai-prices table for the same usage. The real bundled CLI runs offline
against the Anthropic simulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentplug import create_agent
from agentplug.core import pricing
from agentplug.testing import AnthropicSimulator, Reply

pytest.importorskip("claude_agent_sdk")
import agentplug.plugins.claude_code.backend  # noqa: E402,F401  (imported off the test's loop)


def offline_env(home: Path) -> dict[str, str]:
    (home / "config").mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    return env


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-haiku-4-5"])
async def test_the_clis_cost_is_kept_and_matches_the_table(model, tmp_path):
    scripted = {"input": 1000, "output": 500, "cached": 200, "cache_write": 100}
    with AnthropicSimulator(Reply("Priced by the CLI.", usage=scripted), model=model) as sim:
        config = {"type": "claude_code", "model": model, "base_url": sim.base_url,
                  "api_key": "sk-ant-cost-test", "cwd": str(tmp_path / "work"),
                  "max_retries": 0, "max_thinking_tokens": 0,
                  "env": offline_env(tmp_path / "home")}
        async with create_agent(config) as agent:
            result = await agent.run("hi")
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cached_tokens,
            usage.cache_write_tokens) == (1000, 500, 200, 100)
    assert usage.cost_usd is not None and not usage.unpriced  # the CLI's figure, kept
    table = pricing._table_cost(usage, "anthropic", model)
    assert not isinstance(table, str), table
    # e.g. claude-sonnet-4-5: 700*3 + 200*0.30 + 100*3.75 + 500*15 = 10035 µ$
    assert usage.cost_usd == pytest.approx(float(table), rel=1e-6)
