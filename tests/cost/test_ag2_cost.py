"""An ag2 agent driven by an agentplug model (`llm:`) is priced by that model's declaration."""

from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply


async def test_an_ag2_agent_costs_what_its_llm_backend_costs(tmp_path):
    # groq llama-3.3-70b-versatile: 1000 in + 500 out tokens = $0.000985 in genai-prices
    with ChatCompletionsSimulator(Reply("Hello.\nTERMINATE",
                                        usage={"input": 1000, "output": 500})) as sim:
        llm = {"type": "chatcompletion", "provider": "groq", "base_url": sim.base_url,
               "model": "llama-3.3-70b-versatile", "max_retries": 0}
        agent = create_agent({"type": "ag2", "agent_config": {"type": "assistant",
                                                              "name": "helper"},
                              "llm": llm, "cwd": str(tmp_path)})
        async with agent:
            result = await agent.run("Say hello.")
    assert result.text == "Hello."
    assert result.usage.cost_usd == pytest.approx(0.000985)
