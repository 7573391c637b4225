"""The claude_code backend with the real bundled CLI, against the simulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cc_support import (
    KEY, alive, cli_children, collect, model_requests, of_type, offline_env, result_text, texts,
    tool_results,
)

from agentplug.core.agent import Agent
from agentplug.core.events import (
    Done, ErrorEvent, ReasoningDelta, TextDelta, ToolCallRequested, ToolResult, UsageEvent,
)
from agentplug.core.messages import UserMessage
from agentplug.testing import Fault, Reply, ToolCallSpec
from agentplug.testing.conformance import check_call_events, check_model_call

ROOT = Path(__file__).resolve().parents[2]
ECHO_SERVER = Path(__file__).parent / "servers" / "echo_server.py"


LOOPS: list[asyncio.AbstractEventLoop] = []


async def add(a: int, b: int) -> int:
    """Add two integers."""
    LOOPS.append(asyncio.get_running_loop())
    return a + b


def explode(reason: str) -> str:
    """Always fails."""
    raise RuntimeError(reason)


async def test_text_and_thinking_stream_with_usage_and_the_key_stays_out_of_os_environ(
        make_agent, sim, workdir):
    sim.script(Reply("Hello from the simulator.", reasoning="Think first."))
    agent = make_agent(system_message="Be brief.", system_prompt="Answer in English.",
                       model="claude-sonnet-4-5")
    async with agent:
        events = await collect(agent, "hi")
        pid = agent.backend.pid
        assert alive(pid)
    assert not alive(pid)
    assert "".join(e.text for e in of_type(events, TextDelta)) == "Hello from the simulator."
    assert "".join(e.text for e in of_type(events, ReasoningDelta)) == "Think first."
    usage = of_type(events, UsageEvent)[0].usage
    assert usage.requests == 1 and usage.input_tokens > 0 and usage.cost_usd > 0
    done = events[-1]
    assert isinstance(done, Done) and done.text == "Hello from the simulator."
    assert done.message.provider_data == {"session_id": agent.backend.session_id}
    assert workdir.is_dir()  # created for the session
    # Both sides: the CLI sent our key, thinking budget and appended prompt to the simulator...
    (request,) = [r for r in sim.requests if r.path.endswith("/v1/messages")]
    assert request.header("x-api-key") == KEY
    assert request.body["thinking"]["budget_tokens"] == 8000
    system = request.body["system"][-1]["text"]
    assert system.endswith("Be brief.\n\nAnswer in English.")
    assert "Claude Code" in "".join(b["text"] for b in request.body["system"])  # the preset
    # ...and this process never saw the key.
    assert KEY not in os.environ.values()


async def test_conformance_of_one_call_on_the_backend(make_agent, sim):
    sim.script(Reply("Conformant.", reasoning="Hmm."))
    backend = make_agent(max_thinking_tokens=0).backend
    await backend.open()
    try:
        events = await check_model_call(backend, [UserMessage.of("hi")])
    finally:
        await backend.close()
    check_call_events(events, stateful=True)
    assert model_requests(sim)[0]["thinking"] == {"type": "disabled"}


async def test_native_tools_run_in_cwd_and_results_go_back(make_agent, sim, workdir):
    target = workdir / "notes.txt"
    sim.script(
        Reply(tool_calls=[ToolCallSpec("Write", {"file_path": str(target),
                                                 "content": "hello file\n"}, id="toolu_w")]),
        Reply("Wrote it.", tool_calls=[ToolCallSpec(
            "Bash", {"command": "cat notes.txt && echo bash-ok"}, id="toolu_b")]),
        Reply(tool_calls=[ToolCallSpec("Read", {"file_path": str(target)}, id="toolu_r")]),
        Reply("All done."),
    )
    agent = make_agent(permission_mode="acceptEdits", allowed_tools=["Bash(cat:*)", "Read"])
    async with agent:
        events = await collect(agent, "write, show and read the file")
    assert target.read_text() == "hello file\n"
    calls = [(e.call.id, e.call.name) for e in of_type(events, ToolCallRequested)]
    assert calls == [("toolu_w", "Write"), ("toolu_b", "Bash"), ("toolu_r", "Read")]
    results = {e.call_id: e for e in of_type(events, ToolResult)}
    assert not any(r.is_error for r in results.values())
    assert results["toolu_b"].output == "hello file\nbash-ok"
    assert "hello file" in results["toolu_r"].output
    # The simulator saw each result in the next request.
    bodies = model_requests(sim)
    assert len(bodies) == 4
    assert [b["tool_use_id"] for b in tool_results(bodies[2])] == ["toolu_b"]
    assert result_text(tool_results(bodies[2])[0]).startswith("hello file\nbash-ok")
    assert "hello file" in result_text(tool_results(bodies[3])[0])
    done = events[-1]
    assert done.text == "Wrote it.\n\nAll done."
    assert of_type(events, UsageEvent)[0].usage.requests == 4


async def test_agentplug_tool_and_stdio_mcp_server(make_agent, sim):
    sim.script(
        Reply(tool_calls=[
            ToolCallSpec("mcp__agentplug__add", {"a": 2, "b": 40}, id="toolu_add"),
            ToolCallSpec("mcp__agentplug__explode", {"reason": "kaput"}, id="toolu_x"),
            ToolCallSpec("mcp__echo__shout", {"text": "hey"}, id="toolu_mcp")]),
        Reply("42 and HEY!"),
    )
    mcp = [{"name": "echo", "command": sys.executable, "args": [str(ECHO_SERVER)]}]
    agent = make_agent(tools=[add, explode], mcp_servers=mcp)
    LOOPS.clear()
    async with agent:
        events = await collect(agent, "add and shout")
    # agentplug tools run on the agent's loop, not the session's worker loop
    assert LOOPS.count(asyncio.get_running_loop()) == len(LOOPS) == 1
    names = {e.call.id: e.call.name for e in of_type(events, ToolCallRequested)}
    assert names == {"toolu_add": "add", "toolu_x": "explode", "toolu_mcp": "mcp__echo__shout"}
    outputs = {e.call_id: (e.output, e.is_error) for e in of_type(events, ToolResult)}
    assert outputs["toolu_add"] == ("42", False)
    assert outputs["toolu_x"][1] and outputs["toolu_x"][0].startswith("RuntimeError: kaput")
    assert "HEY!" in outputs["toolu_mcp"][0]
    first, second = model_requests(sim)
    # The CLI announces MCP tools to the model (as deferred tools, loaded on demand).
    announced = json.dumps(first)
    assert "mcp__agentplug__add" in announced and "mcp__echo__shout" in announced
    sent = {b["tool_use_id"]: (result_text(b), b.get("is_error", False))
            for b in tool_results(second)}
    assert sent["toolu_add"] == ("42", False)
    assert sent["toolu_x"][1] and sent["toolu_x"][0].startswith("RuntimeError: kaput")
    assert "HEY!" in sent["toolu_mcp"][0]


async def test_follow_ups_continue_one_session_then_reset_starts_fresh(make_agent, sim):
    sim.script(Reply("First answer."), Reply("Second answer."), Reply("Fresh answer."))
    agent = make_agent()
    async with agent:
        await agent.run("first question")
        pid, session = agent.backend.pid, agent.backend.session_id
        result = await agent.run("second question")
        assert (agent.backend.pid, agent.backend.session_id) == (pid, session)
        await agent.reset()
        assert not alive(pid) and agent.backend.session_id is None
        await agent.run("third question")
        assert agent.backend.session_id not in (None, session)
    assert result.text == "Second answer."
    first, second, third = (texts(b) for b in model_requests(sim))
    assert "first question" in first[-1]
    # Only the new message was sent; the CLI replayed the history itself.
    assert second[-1].endswith("second question") and "first question" not in second[-1]
    assert "First answer." in second and any("first question" in t for t in second)
    assert not any("first question" in t or "second question" in t for t in third)
    assert "First answer." not in third


async def test_resume_continues_a_saved_session(make_agent, sim):
    sim.script(Reply("Noted: the code word is tangerine."), Reply("It was tangerine."))
    async with make_agent() as agent:
        await agent.run("remember the code word tangerine")
        session = agent.backend.session_id
    async with make_agent(resume=session) as resumed:
        result = await resumed.run("what was the code word?")
        assert resumed.backend.session_id == session
    assert result.text == "It was tangerine."
    history = texts(model_requests(sim)[1])
    assert any("remember the code word tangerine" in t for t in history)
    assert "Noted: the code word is tangerine." in history


async def test_max_turns_is_an_error_event_and_the_session_goes_on(make_agent, sim):
    sim.script(Reply(tool_calls=[ToolCallSpec("Bash", {"command": "echo one"})]),
               Reply("Next turn works."))
    agent = make_agent(max_turns=1, allowed_tools=["Bash(echo:*)"])
    async with agent:
        events = await collect(agent, "loop")
        error = events[-1]
        assert isinstance(error, ErrorEvent)
        assert "max_turns" in error.message and error.error_type == "ClaudeCodeError"
        assert agent.history == []  # the failed turn was rolled back
        assert (await agent.run("again")).text == "Next turn works."


async def test_api_error_is_an_error_event_with_status(make_agent, sim):
    sim.script(Fault.http(500, message="simulated outage"), Reply("Recovered."))
    agent = make_agent()
    async with agent:
        events = await collect(agent, "hi")
        error = events[-1]
        assert isinstance(error, ErrorEvent)
        assert (error.status, error.retryable) == (500, True)
        assert "HTTP 500" in error.message and "simulated outage" in error.message
        assert (await agent.run("again")).text == "Recovered."


async def test_budget_cap_is_an_error_event(make_agent, sim):
    # 2M input tokens at Sonnet prices is about $6: far over the $0.50 cap.
    sim.script(Reply("Expensive.", usage={"input": 2_000_000, "output": 10}))
    async with make_agent(max_budget_usd=0.5) as agent:
        events = await collect(agent, "spend")
    error = events[-1]
    assert isinstance(error, ErrorEvent) and "max_budget_usd" in error.message
    assert of_type(events, UsageEvent)[0].usage.cost_usd > 0.5


async def test_cancel_mid_stream_stops_the_cli_and_the_next_turn_resumes(make_agent, sim):
    slow = "one two three four five six seven eight"
    sim.script(Reply(slow, chunk_delay=0.2), Reply("Resumed."), Reply(slow, chunk_delay=1.0))
    agent = make_agent()
    async with agent:
        async with contextlib.aclosing(agent.stream("count slowly")) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    pid, session = agent.backend.pid, agent.backend.session_id
                    break
        assert not alive(pid)  # leaving the turn early closed the session
        result = await agent.run("go on")
        assert result.text == "Resumed." and agent.backend.session_id == session
        second_pid = agent.backend.pid
        assert second_pid != pid and alive(second_pid)
        # A task cancelled mid-turn (here by a timeout) stops the CLI as well.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(agent.run("count again"), timeout=1.0)
        assert not alive(second_pid) and agent.history[-1].text == "Resumed."
    assert any("count slowly" in t for t in texts(model_requests(sim)[1]))
    assert cli_children() == []


def test_agentplug_run_with_the_example_config_offline(sim, home, tmp_path):
    work = tmp_path / "example-work"
    sim.script(
        Reply(tool_calls=[ToolCallSpec("Write", {"file_path": str(work / "hello.txt"),
                                                 "content": "hi\n"}, id="toolu_w")]),
        Reply("Created hello.txt."))
    env = {**os.environ, **offline_env(home), "ANTHROPIC_API_KEY": KEY,
           "CLAUDE_CODE_WORKDIR": str(work), "AGENTPLUG_LOAD_ENTRY_POINTS": "0"}
    agentplug = str(Path(sys.executable).parent / "agentplug")
    result = subprocess.run(
        [agentplug, "run", "-c", str(ROOT / "examples" / "claude_code.yaml"), "--base-url",
         sim.base_url, "--json", "Create hello.txt"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    kinds = [e["type"] for e in events]
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("done")
    assert events[-1]["message"]["parts"][-1]["text"] == "Created hello.txt."
    assert (work / "hello.txt").read_text() == "hi\n"


async def test_new_tools_reopen_the_session_and_keep_the_conversation(make_agent, sim):
    sim.script(Reply("Hi."),
               Reply(tool_calls=[ToolCallSpec("mcp__agentplug__add", {"a": 1, "b": 2},
                                              id="toolu_add")]),
               Reply("3."))
    first = make_agent()
    backend = first.backend
    async with first:
        await first.run("hello")
        session, pid = backend.session_id, backend.pid
        # The live session, now driven by an agent with a tool: the CLI restarts to serve it.
        async with Agent(backend, tools=[add]) as second:
            events = await collect(second, "add 1 and 2")
            assert backend.session_id == session and alive(backend.pid)
            assert not alive(pid)
    assert [e.output for e in of_type(events, ToolResult)] == ["3"]
    assert any("hello" in t for t in texts(model_requests(sim)[1]))
