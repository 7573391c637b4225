"""MCP servers that misbehave: garbage on stdout, huge results, calls that never answer, an
exit mid-call, in any order and in parallel. Each call ends as a result or a tool error within
its timeout; a dead server is restarted or reported; the agent never hangs."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agentplug import Done, ToolResult, create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec
from fuzz_support import budget
from stream_support import RECOVERED, Harness, WireFormat, one_turn

SERVER = str(Path(__file__).parent / "servers" / "hostile_mcp_server.py")
CALL_TIMEOUT = 2.0
TURN_BOUND = 90.0  # calls time out after 2 s; a restart under load takes up to ~10 s

calls = st.lists(st.one_of(
    st.just(("ok", {})),
    st.integers(0, 50).map(lambda n: ("garbage", {"lines": n})),
    # Up to 2 MB, four at once: read by agentplug's stdio transport without stalling the
    # loop (tests/mcp/test_mcp_huge_results.py; the SDK's took 1-3 s steps for these).
    st.floats(0, 2).map(lambda mb: ("huge", {"megabytes": mb})),
    st.just(("hang", {})),
    st.just(("die", {})),
), min_size=1, max_size=4)


def children() -> set[int]:
    """PIDs of this process's live children (zombies excluded)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


@pytest.fixture(scope="module")
def mcp_agent():
    fmt = WireFormat("chat_completions", ChatCompletionsSimulator, "openai_chat",
                     lambda s: {"type": "chatcompletion", "model": "m", "base_url": s.base_url,
                                "api_key": "sk-fuzz-not-a-real-key", "max_retries": 0})
    before = children()
    h = Harness(fmt)
    agent = create_agent({**fmt.backend(h.sim), "mcp_servers": [{
        "name": "hostile", "command": sys.executable, "args": [SERVER],
        "timeout": CALL_TIMEOUT, "startup_timeout": 60}]})
    h.run(agent.open())
    yield h, agent
    h.run(agent.close())
    h.close()
    deadline = time.monotonic() + 10
    while children() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not children() - before, "an MCP server outlived its agent"


async def _turns(h: Harness, agent: Any, drawn: list[tuple[str, dict]]) -> tuple[list, list]:
    specs = [ToolCallSpec(f"mcp__hostile__{name}", args, id=f"call_{i}")
             for i, (name, args) in enumerate(drawn)]
    h.script(Reply(tool_calls=specs), Reply("done"),
             Reply(tool_calls=[ToolCallSpec("mcp__hostile__ok", {}, id="call_ok")]), RECOVERED)
    first = await one_turn(agent, "misbehave")
    second = await one_turn(agent, "behave")
    return first, second


@pytest.mark.timeout(300)  # each server restart takes seconds on a loaded shared machine
@budget(normal=3, long=30)
@given(drawn=calls)
def test_misbehaving_server_gives_tool_errors_never_a_hang(mcp_agent: Any,
                                                           drawn: list[tuple[str, dict]]) -> None:
    h, agent = mcp_agent
    start = time.monotonic()
    first, second = h.run(_turns(h, agent, drawn))
    assert time.monotonic() - start < TURN_BOUND
    assert isinstance(first[-1], Done) and first[-1].text == "done", first[-1]
    results = {e.call_id: e for e in first if isinstance(e, ToolResult)}
    assert len(results) == len(drawn)
    for i, (name, _) in enumerate(drawn):
        result = results[f"call_{i}"]
        event(f"{name}: {'error' if result.is_error else 'result'}")
        if name in ("hang", "die"):
            assert result.is_error, result
        if result.is_error:
            assert result.output.startswith("MCP "), result.output
    # Afterwards the server answers again (restarted), or says why it cannot, in time.
    (ok,) = [e for e in second if isinstance(e, ToolResult)]
    assert not ok.is_error or "unavailable" in ok.output or "timed out" in ok.output, ok.output
    assert isinstance(second[-1], Done)
