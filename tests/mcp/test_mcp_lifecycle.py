"""Lifecycle: servers start once per agent and stay up across turns; close, cancellation,
errors and Ctrl-C leave no server process behind (checked by PID)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentplug import create_agent
from agentplug.adapters.mcp import MCPToolset
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

from mcp_support import alive, edge

REPO = Path(__file__).resolve().parents[2]


def pids_in(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


async def wait_gone(pids: list[int]) -> list[int]:
    """The PIDs still alive after the kernel had a moment to reap them (bounded)."""
    for _ in range(100):
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        await asyncio.sleep(0.05)
    return left


async def test_close_stops_every_server_and_is_idempotent(tmp_path):
    pidfile = tmp_path / "pids"
    ts = MCPToolset([edge("a", "--pid-file", str(pidfile)),
                     edge("b", "--pid-file", str(pidfile))])
    await ts.open()
    pids = pids_in(pidfile)
    assert len(pids) == 2 and all(alive(p) for p in pids)
    await ts.close()
    await ts.close()
    assert await wait_gone(pids) == []
    assert {c.status for c in ts.connections.values()} == {"stopped"}


async def test_servers_start_once_and_stay_up_across_turns(tmp_path):
    pidfile = tmp_path / "pids"
    call = Reply(tool_calls=[ToolCallSpec("mcp__edge__pid", {}, id="c1")])
    with ChatCompletionsSimulator(call, Reply("first"), call, Reply("second")) as sim:
        agent = create_agent({"type": "chatcompletion", "model": "sim-model",
                              "base_url": sim.base_url, "max_retries": 0,
                              "mcp_servers": [edge("edge", "--pid-file", str(pidfile))]})
        async with agent:
            answers = []
            for prompt in ("one", "two"):
                events = [e async for e in agent.stream(prompt)]
                answers.append(next(e.output for e in events if e.type == "tool_result"))
            assert answers[0] == answers[1]  # the same server process served both turns
            assert pids_in(pidfile) == [int(answers[0])]
        assert await wait_gone(pids_in(pidfile)) == []


async def test_a_cancelled_call_leaves_the_agent_usable_and_close_cleans_up(tmp_path):
    pidfile = tmp_path / "pids"
    slow = Reply(tool_calls=[ToolCallSpec("mcp__edge__slow", {"seconds": 30}, id="s1")])
    quick = Reply(tool_calls=[ToolCallSpec("mcp__edge__echo", {"text": "back"}, id="e1")])
    with ChatCompletionsSimulator(slow, quick, Reply("ok")) as sim:
        agent = create_agent({"type": "chatcompletion", "model": "sim-model",
                              "base_url": sim.base_url, "max_retries": 0,
                              "mcp_servers": [edge("edge", "--pid-file", str(pidfile))]})
        await agent.open()
        try:
            task = asyncio.create_task(agent.run("slow please"))
            while len(sim.requests) < 1:  # bounded by the test timeout
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # the call is now running on the server
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            result = await agent.run("again")  # same server, still up
            assert result.text == "ok"
        finally:
            await agent.close()
    assert await wait_gone(pids_in(pidfile)) == []


SCRIPT = textwrap.dedent("""
    import asyncio, signal, sys
    # a shell without job control starts background children with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, {tests!r})
    from mcp_support import edge
    from agentplug.adapters.mcp import MCPToolset

    async def main(close: bool) -> None:
        ts = MCPToolset([edge("a", "--pid-file", {pids!r})])
        await ts.open()
        try:
            print("ready", flush=True)
            await asyncio.sleep(3600)
        finally:
            if close:
                await ts.close()

    asyncio.run(main(sys.argv[1] == "close"))
""")


@pytest.mark.parametrize("mode", ["close", "no-close"])
async def test_ctrl_c_leaves_no_server_process(tmp_path, mode):
    """SIGINT to a program holding servers: with ``close()`` in a finally, and without it
    (asyncio.run cancels the connection tasks, whose SDK shutdown kills the servers)."""
    pidfile = tmp_path / "pids"
    script = tmp_path / "hold.py"
    script.write_text(SCRIPT.format(tests=str(Path(__file__).parent), pids=str(pidfile)))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(script), mode, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env)
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line == b"ready\n", (await proc.stderr.read()).decode()[-2000:]
        pids = pids_in(pidfile)
        assert len(pids) == 1 and alive(pids[0])
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 30)
        stderr = (await proc.stderr.read()).decode()
        assert "KeyboardInterrupt" in stderr
        assert await wait_gone(pids) == []
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
