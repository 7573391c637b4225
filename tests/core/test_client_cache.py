"""The SDK client cache: one client per event loop and settings, closed inside its loop when
that loop shuts down (``asyncio.run``, ``asyncio.Runner``), through every SDK, so that no
socket outlives the loop and no client is left for the garbage collector to close on a later
loop."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported before the counts are taken, as a program would
import google.genai  # noqa: F401
import openai  # noqa: F401
import pytest

from agentplug import create_agent
from agentplug.sdk import clients
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
)

WIRES = {
    "chat_completions": (ChatCompletionsSimulator, {"type": "chatcompletion", "model": "m"}),
    "responses": (ResponsesSimulator, {"type": "openai", "model": "gpt-5"}),
    "anthropic": (AnthropicSimulator, {"type": "claude", "model": "claude-sonnet-4-5"}),
    "gemini": (GeminiSimulator, {"type": "gemini", "model": "gemini-2.5-flash"}),
}


def sockets() -> int:
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


async def two_agents_one_turn_each(config: dict[str, Any]
                                   ) -> tuple[asyncio.AbstractEventLoop, list[Any]]:
    """The loop and the clients its two agents shared, after a turn each (agents closed)."""
    for agent_id in ("a", "b"):
        async with create_agent(config, id=agent_id) as agent:
            assert (await agent.run("hi")).text == "hello"
    loop = asyncio.get_running_loop()
    return loop, list(clients._loops[loop].clients.values())


def run_against(wire: str) -> tuple[asyncio.AbstractEventLoop, list[Any]]:
    """``two_agents_one_turn_each`` in a loop of its own, its simulator stopped after (its
    handler threads, and their sockets, gone)."""
    simulator, backend = WIRES[wire]
    with simulator(default=Reply("hello")) as sim:
        config = {**backend, "base_url": sim.base_url, "api_key": "sk-test-not-a-real-key",
                  "max_retries": 0}
        return asyncio.run(two_agents_one_turn_each(config))


@pytest.mark.parametrize("wire", WIRES)
def test_a_loops_clients_are_closed_when_it_shuts_down(wire: str) -> None:
    run_against(wire)  # imports and first-use caches
    before = sockets()
    loop, cached = run_against(wire)
    assert len(cached) == 1  # both agents used one client
    assert sockets() == before, "a closed loop's client still holds its sockets"
    assert loop not in clients._loops  # nor is the loop kept alive by its cache
    _, again = run_against(wire)
    assert again[0] is not cached[0]  # the next loop's client is its own
    assert sockets() == before


def test_a_runner_closes_them_too_and_the_next_loop_works() -> None:
    with ChatCompletionsSimulator(default=Reply("hello")) as sim:
        config = {"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                  "api_key": "sk-test-not-a-real-key", "max_retries": 0}
        with asyncio.Runner() as runner:
            _, (client,) = runner.run(two_agents_one_turn_each(config))
            assert not client.is_closed()  # kept for the loop's next turns
            runner.run(two_agents_one_turn_each(config))
        assert client.is_closed()
        _, (new,) = asyncio.run(two_agents_one_turn_each(config))
        assert new is not client and new.is_closed()
