"""The embedded local model as a member of a real classic AG2 group chat, beside an agent on
the simulator: a real model's reply travels through AG2 to the next speaker."""

from __future__ import annotations

import pytest

from agentplug import Done, create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply, transcript
from local_support import needs_model

pytestmark = needs_model
pytest.importorskip("autogen")


async def test_local_agent_takes_a_turn_in_a_group_chat(llama):
    from agentplug.adapters.ag2 import Team

    local = create_agent({"type": "local", "max_tokens": 6, "temperature": 0}, id="poet")
    with ChatCompletionsSimulator() as sim:
        sim.script(Reply("Nice. TERMINATE"))
        critic = create_agent({"type": "chatcompletion", "model": "sim", "base_url": sim.base_url,
                               "max_retries": 0}, id="critic")
        async with Team([local, critic], max_rounds=4) as team:
            events = [e async for e in team.stream("Say one word about the sea.")]
        turns = transcript(events)
        assert [t[0] for t in turns] == ["poet", "critic"]
        poem = turns[0][1].strip()
        assert poem  # the real model said something
        # ...and AG2 handed it to the critic as the conversation so far
        critic_saw = sim.requests[0].body["messages"]
        assert any(poem in str(m.get("content")) for m in critic_saw)
    assert isinstance(events[-1], Done)
