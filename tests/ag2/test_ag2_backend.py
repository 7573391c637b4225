"""``type: ag2`` (direction 1): a real classic AG2 agent whose replies a simulated model
writes, with code run for real by AG2's local and Jupyter executors."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("autogen")
pytest.importorskip("agentplug.adapters.mcp")  # imports the MCP SDK here, not in a test's loop

from agentplug import (  # noqa: E402
    BuiltinToolEvent, Done, Notice, TextDelta, ToolCallRequested, ToolResult, UsageEvent,
    create_agent,
)
from agentplug.testing import Reply  # noqa: E402

from ag2_support import alive, children, llm  # noqa: E402


def code(body: str, lang: str = "python") -> str:
    return f"Running this:\n```{lang}\n{body}\n```\n"


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]


def backend(sim, tmp_path, executor=None, **extra):
    config = {"type": "ag2", "agent_config": {"type": "assistant", "name": "coder"},
              "llm": llm(sim), "cwd": str(tmp_path), **extra}
    if executor:
        config["code_execution_config"] = {"executor": executor}
    return config


async def test_local_executor_runs_code_and_streams_each_step(sims, tmp_path):
    sim = sims(Reply(code("import sys\nprint(sys.prefix)\nprint(6 * 7)"),
                     usage={"input": 50, "output": 12}),
               Reply("The answer is 42.\nTERMINATE", usage={"input": 80, "output": 7}))
    agent = create_agent(backend(sim, tmp_path, {"type": "local", "timeout": 30}))
    async with agent:
        events = await collect(agent, "What is 6*7? Use code.")
    kinds = [type(e).__name__ for e in events]
    first_run = kinds.index("BuiltinToolEvent")
    # streamed as it happened: the first reply's text, its usage, the run, then the answer
    assert kinds[:first_run] == ["TextDelta"] * kinds[:first_run].count("TextDelta") + [
        "UsageEvent"]
    started, finished = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert started.status == "started" and "print(6 * 7)" in started.code
    assert started.data["blocks"][0]["language"] == "python"
    assert finished.status == "completed" and finished.return_code == 0
    # the local executor ran agentplug's own interpreter, not whatever `python` is on PATH
    assert finished.stdout.splitlines() == [sys.prefix, "42"]
    done = events[-1]
    assert isinstance(done, Done) and done.text == "The answer is 42."
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.requests) == (130, 19, 2)
    # the model saw AG2's executor report as the next user message
    feedback = sim.requests[1].body["messages"][-1]
    assert feedback["role"] == "user" and "exitcode: 0" in feedback["content"]
    assert (tmp_path / "ag2_work" / "coder").is_dir()


async def test_failed_code_is_reported_and_the_model_fixes_it(sims, tmp_path):
    sim = sims(Reply(code("print(1/0)")), Reply(code("print(1/1)")), Reply("Fixed. TERMINATE"))
    agent = create_agent(backend(sim, tmp_path, {"type": "local"}))
    async with agent:
        events = await collect(agent, "divide")
    runs = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started"]
    assert [r.status for r in runs] == ["failed", "completed"]
    assert "ZeroDivisionError" in runs[0].stdout and runs[0].return_code == 1
    assert "exitcode: 1" in sim.requests[1].body["messages"][-1]["content"]
    assert events[-1].text == "Fixed."


async def test_shell_blocks_run_in_the_work_dir(sims, tmp_path):
    sim = sims(Reply(code("echo hi > made.txt && cat made.txt", "sh")), Reply("ok TERMINATE"))
    agent = create_agent(backend(sim, tmp_path, {"type": "local", "work_dir": "ws"}))
    async with agent:
        await collect(agent, "make a file")
    assert (tmp_path / "ws" / "made.txt").read_text() == "hi\n"


async def test_turns_keep_the_ag2_conversation(sims, tmp_path):
    sim = sims(Reply("First answer."), Reply("Second answer."))
    agent = create_agent(backend(sim, tmp_path), system_message="Be brief.")
    async with agent:
        assert (await agent.run("one")).text == "First answer."
        assert (await agent.run("two")).text == "Second answer."
    second = sim.requests[1].body["messages"]
    assert second[0] == {"role": "system", "content": "Be brief."}
    assert [m["content"] for m in second[1:]] == ["one", "First answer.", "two"]


async def test_reset_starts_a_fresh_ag2_conversation(sims, tmp_path):
    sim = sims(Reply("a"), Reply("b"))
    agent = create_agent(backend(sim, tmp_path))
    async with agent:
        await agent.run("one")
        await agent.reset()
        await agent.run("two")
    assert [m["content"] for m in sim.requests[1].body["messages"][1:]] == ["two"]


async def test_max_rounds_stops_a_model_that_never_finishes(sims, tmp_path):
    sim = sims(default=Reply(code("print('again')")))
    agent = create_agent(backend(sim, tmp_path, {"type": "local"}, max_rounds=2))
    async with agent:
        events = await collect(agent, "loop forever")
    assert len(sim.requests) == 2
    notices = [e for e in events if isinstance(e, Notice)]
    assert notices and "max_rounds" in notices[0].message
    assert isinstance(events[-1], Done)


async def test_agent_config_passes_through_to_ag2(sims, tmp_path):
    sim = sims(Reply("hello"))
    config = backend(sim, tmp_path)
    config["agent_config"] = {"type": "conversable", "name": "greeter",
                              "system_message": "You greet.", "description": "greets people",
                              "default_auto_reply": "..."}
    agent = create_agent(config)
    async with agent:
        await agent.run("hi")
        ag2_agent = agent.backend.chat.agent
        assert type(ag2_agent).__name__ == "ConversableAgent"
        assert (ag2_agent.name, ag2_agent.description) == ("greeter", "greets people")
    assert sim.requests[0].body["messages"][0] == {"role": "system", "content": "You greet."}


async def test_model_tool_calls_go_through_the_agentplug_tool_loop(sims, tmp_path):
    """The model behind the AG2 agent is an agentplug agent: its tool calls are answered by
    agentplug's tool loop (here: an unknown tool, reported back) and stream as events."""
    from agentplug.testing import ToolCallSpec

    sim = sims(Reply(tool_calls=[ToolCallSpec("nope", {}, id="c1")]), Reply("done"))
    agent = create_agent(backend(sim, tmp_path))
    async with agent:
        events = await collect(agent, "use a tool")
    assert [type(e) for e in events if isinstance(e, (ToolCallRequested, ToolResult))] == [
        ToolCallRequested, ToolResult]
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.is_error and "unknown tool" in result.output
    assert events[-1].text == "done"


async def test_the_agents_python_tools_reach_the_model_and_run(sims, tmp_path):
    """Tools given to an ``ag2`` agent are offered to the model under ``llm:`` and run by
    agentplug: the schema is in the request, the result in the next one."""
    from agentplug.testing import ToolCallSpec

    calls = []

    def add(a: int, b: int) -> int:
        """Add two integers."""
        calls.append((a, b))
        return a + b

    sim = sims(Reply(tool_calls=[ToolCallSpec("add", {"a": 2, "b": 40}, id="c1")]),
               Reply("it is 42"))
    agent = create_agent(backend(sim, tmp_path), tools=[add])
    async with agent:
        events = await collect(agent, "2 + 40?")
    assert calls == [(2, 40)]
    assert [t["function"]["name"] for t in sim.requests[0].body["tools"]] == ["add"]
    result = next(e for e in events if isinstance(e, ToolResult))
    assert not result.is_error and result.output == "42"
    assert sim.requests[1].body["messages"][-1]["content"] == "42"
    assert events[-1].text == "it is 42"


async def test_ag2_own_model_calls_python_and_mcp_tools(sims, tmp_path):
    """With AG2's own llm_config, AG2's model is offered the agent's Python tools and the MCP
    servers' tools; AG2's executor partner runs them for real."""
    import sys
    from pathlib import Path

    from agentplug.testing import ToolCallSpec

    edge = str(Path(__file__).parents[1] / "mcp" / "servers" / "edge_server.py")

    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    sim = sims(Reply(tool_calls=[ToolCallSpec("shout", {"text": "hi"}, id="c1"),
                                 ToolCallSpec("mcp__edge__echo", {"text": "ok"}, id="c2")]),
               Reply("HI and ok"))
    config = {"type": "ag2", "agent_config": {"name": "native"}, "cwd": str(tmp_path),
              "llm_config": {"config_list": [{"model": "sim-model", "api_key": "sk-test",
                                              "base_url": sim.base_url}]},
              "mcp_servers": [{"name": "edge", "command": sys.executable, "args": [edge]}]}
    async with create_agent(config, tools=[shout]) as agent:
        events = await collect(agent, "shout hi, echo ok")
    offered = {t["function"]["name"] for t in sim.requests[0].body["tools"]}
    assert {"shout", "mcp__edge__echo"} <= offered
    results = [m for m in sim.requests[1].body["messages"] if m.get("role") == "tool"]
    assert [m["content"] for m in results] == ["HI", "ok"]
    assert events[-1].text == "HI and ok"


async def test_ag2_llm_config_drives_the_agent_with_ag2_own_client(sims, tmp_path):
    sim = sims(Reply("from AG2's own client", usage={"input": 9, "output": 4}))
    config = {"type": "ag2", "agent_config": {"name": "native"}, "cwd": str(tmp_path),
              "llm_config": {"config_list": [{"model": "sim-model", "api_key": "sk-test",
                                              "base_url": sim.base_url}]}}
    agent = create_agent(config)
    async with agent:
        events = await collect(agent, "hi")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "from AG2's own client"
    usage = [e for e in events if isinstance(e, UsageEvent)][-1].usage
    assert (usage.input_tokens, usage.output_tokens) == (9, 4)
    assert sim.requests[0].body["messages"][-1] == {"role": "user", "content": "hi",
                                                    "name": "native_executor"}


async def test_jupyter_executor_keeps_state_and_stops_its_gateway(sims, tmp_path):
    sim = sims(Reply(code("x = 6 * 7\nprint('set')")), Reply(code("print(x + 1)")),
               Reply("43 TERMINATE"))
    agent = create_agent(backend(sim, tmp_path, {"type": "jupyter", "timeout": 60}))
    async with agent:
        handle = agent.backend.executor_handle
        gateway = handle.pids[0]
        assert alive(gateway)
        events = await collect(agent, "use the kernel")
        kernels = children(gateway)
    runs = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started"]
    assert [r.stdout.strip() for r in runs] == ["set", "43"]
    assert all(r.name == "jupyter" and r.return_code == 0 for r in runs)
    assert not alive(gateway), "the kernel gateway outlived its agent"
    assert not any(alive(k) for k in kernels), "a kernel outlived its agent"
    assert (tmp_path / "ag2_work" / "coder" / "jupyter_gateway.log").exists()


async def test_a_model_error_inside_the_ag2_run_is_an_error_event(sims, tmp_path):
    from agentplug import ErrorEvent
    from agentplug.testing import Fault

    sim = sims(Reply(code("print('ok')")), Fault.http(400, message="context too long"),
               Reply("recovered"))
    agent = create_agent(backend(sim, tmp_path, {"type": "local"}))
    async with agent:
        events = await collect(agent, "first")
        assert isinstance(events[-1], ErrorEvent) and "context too long" in events[-1].message
        assert any(isinstance(e, BuiltinToolEvent) for e in events)  # streamed before failing
        assert (await agent.run("again")).text == "recovered"  # the agent stays usable
