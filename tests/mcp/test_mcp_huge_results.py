"""A huge result from a stdio MCP server leaves the event loop free for the other agents on it,
and reaches the model whole: agentplug's stdio transport searches each read once and parses a
long line in a worker thread. (The SDK's own transport joins every read onto the line so far
and splits it again: 14.6 s of loop time for one 16 MB result, 3 to 4 s for 8 MB.)"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from agentplug import Done, ToolResult, create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

HOSTILE = Path(__file__).parents[1] / "fuzz" / "servers" / "hostile_mcp_server.py"
MEGABYTES = 8
BEAT = 0.01  # the heartbeat: how long each step of another agent would wait at most
# Seconds of loop time the whole turn may take beyond the heartbeat's own sleeps: the steps
# that handle the result whole (the SDK encoding it into the next request) fit on a loaded
# machine; reading it as the SDK does would not.
LOOP_BUDGET = 1.5


async def test_an_8_mb_result_leaves_the_loop_free_and_arrives_whole() -> None:
    busy: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(BEAT)
            now = time.perf_counter()
            busy.append(max(0.0, now - last - BEAT))
            last = now

    call = ToolCallSpec("mcp__hostile__huge", {"megabytes": MEGABYTES}, id="call_huge")
    with ChatCompletionsSimulator(Reply(tool_calls=[call]), Reply("read it")) as sim:
        agent = create_agent({
            "type": "chatcompletion", "model": "m", "base_url": sim.base_url,
            "api_key": "sk-test-not-a-real-key", "max_retries": 0, "timeout": 60,
            "mcp_servers": [{"name": "hostile", "command": sys.executable,
                             "args": [str(HOSTILE)], "timeout": 120}]})
        async with agent:
            beat = asyncio.create_task(heartbeat())
            try:
                events = [e async for e in agent.stream("read the huge thing")]
            finally:
                beat.cancel()
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert not result.is_error and len(result.output) == MEGABYTES * 1_000_000
    assert isinstance(events[-1], Done) and events[-1].text == "read it"
    sent = sim.requests[1].body["messages"][-1]
    assert sent["role"] == "tool" and len(sent["content"]) == MEGABYTES * 1_000_000
    assert sum(busy) < LOOP_BUDGET, f"the loop was busy {sum(busy):.2f} s (longest step " \
                                    f"{max(busy):.2f} s)"
