"""A tool from YAML (MassGen's ``custom_tools``) in every backend, through the real SDKs
against the simulators: offered to the model, called, and its result sent back."""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
from pathlib import Path

import pytest

from agentplug import create_agent, load_config
from agentplug.core.events import ToolResult
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    ToolCallSpec,
)

TOOL = '''\
from dataclasses import dataclass, field


@dataclass
class TextContent:
    data: str


@dataclass
class ExecutionResult:
    output_blocks: list = field(default_factory=list)


async def two_num_tool(x: int, y: int) -> ExecutionResult:
    """Add two numbers together.

    Args:
        x: First number
        y: Second number
    """
    return ExecutionResult(output_blocks=[TextContent(data=f"The sum of {x} and {y} is {x + y}")])
'''
# The runtimes import their SDKs on first use: here, outside the loop the slow-callback
# guard watches.
import agentplug.plugins.ag2.backend  # noqa: E402,F401
import agentplug.plugins.claude_code.backend  # noqa: E402,F401

try:
    import autogen  # noqa: F401
    import claude_agent_sdk  # noqa: F401
except ImportError:  # pragma: no cover (the dev install has both)
    pass

ANSWER = "The sum of 2 and 40 is 42"
CUSTOM_TOOLS = """\
custom_tools:
  - name: ["two_num_tool"]
    category: "math"
    path: "massgen/tool/_basic/_two_num_tool.py"
    function: ["two_num_tool"]
"""


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A MassGen-like checkout: the tool at the path MassGen's configs name, run from there."""
    tool = tmp_path / "massgen" / "tool" / "_basic" / "_two_num_tool.py"
    tool.parent.mkdir(parents=True)
    tool.write_text(TOOL)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def agent_from_yaml(root: Path, backend: str):
    path = root / "configs" / "agent.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("agents:\n  - id: calc\n    backend:\n"
                    + textwrap.indent(backend + CUSTOM_TOOLS, "      "))
    return create_agent(load_config(path).agents[0])


async def built(root: Path, backend: str):
    # Loading the config and the backend's SDK is blocking work: not on the event loop.
    return await asyncio.to_thread(agent_from_yaml, root, backend)


async def run(agent, prompt: str = "What is 2 + 40?") -> list:
    async with agent:
        return [e async for e in agent.stream(prompt)]


def call() -> Reply:
    return Reply(tool_calls=[ToolCallSpec("two_num_tool", {"x": 2, "y": 40}, id="call_1")])


def assert_ran(events) -> None:
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.output == ANSWER and not result.is_error
    assert events[-1].text == "42."


async def test_openai(checkout):
    with ResponsesSimulator(call(), Reply("42.")) as sim:
        events = await run(await built(checkout, f"type: openai\nmodel: gpt-5\n"
                                           f"api_key: sk-test\nbase_url: {sim.base_url}\n"))
    assert_ran(events)
    (tool,) = sim.requests[0].body["tools"]
    assert tool["name"] == "two_num_tool" and tool["description"] == "Add two numbers together."
    assert tool["parameters"]["properties"]["x"] == {"type": "integer",
                                                     "description": "First number"}
    outputs = [i for i in sim.requests[1].body["input"] if i.get("type") == "function_call_output"]
    assert [(o["call_id"], o["output"]) for o in outputs] == [("call_1", ANSWER)]


async def test_chatcompletion(checkout):
    with ChatCompletionsSimulator(call(), Reply("42.")) as sim:
        events = await run(await built(checkout, f"type: chatcompletion\nmodel: m\n"
                                           f"base_url: {sim.base_url}\n"))
    assert_ran(events)
    assert [t["function"]["name"] for t in sim.requests[0].body["tools"]] == ["two_num_tool"]
    last = sim.requests[1].body["messages"][-1]
    assert last["role"] == "tool" and last["content"] == ANSWER


async def test_claude(checkout):
    with AnthropicSimulator(call(), Reply("42.")) as sim:
        events = await run(await built(checkout, f"type: claude\nmodel: claude-sonnet-4-6\n"
                                           f"api_key: sk-ant-test\nbase_url: {sim.base_url}\n"))
    assert_ran(events)
    assert [t["name"] for t in sim.requests[0].body["tools"]] == ["two_num_tool"]
    (block,) = [b for b in sim.requests[1].body["messages"][-1]["content"]
                if b["type"] == "tool_result"]
    content = block["content"]
    text = content if isinstance(content, str) else "".join(c["text"] for c in content)
    assert block["tool_use_id"] == "call_1" and text == ANSWER


async def test_gemini(checkout):
    with GeminiSimulator(call(), Reply("42.")) as sim:
        events = await run(await built(checkout, f"type: gemini\nmodel: gemini-2.5-flash\n"
                                           f"api_key: gm-test\nbase_url: {sim.base_url}\n"))
    assert_ran(events)
    declared = [f["name"] for t in sim.requests[0].body["tools"]
                for f in t.get("functionDeclarations", t.get("function_declarations", []))]
    assert declared == ["two_num_tool"]
    parts = sim.requests[1].body["contents"][-1]["parts"]
    responses = [p.get("functionResponse") or p.get("function_response") for p in parts]
    assert responses[0]["name"] == "two_num_tool"
    assert ANSWER in str(responses[0]["response"])


async def test_claude_code_in_process_tool_server(checkout, tmp_path):
    pytest.importorskip("claude_agent_sdk")
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    env_yaml = "".join(f"  {k}: '{v}'\n" for k, v in env.items())
    with AnthropicSimulator(model="claude-sonnet-4-6") as sim:
        sim.script(Reply(tool_calls=[ToolCallSpec("mcp__agentplug__two_num_tool",
                                                  {"x": 2, "y": 40}, id="toolu_1")]),
                   Reply("42."))
        agent = await built(checkout, f"type: claude_code\nmodel: claude-sonnet-4-6\n"
                                          f"api_key: sk-ant-cc\nbase_url: {sim.base_url}\n"
                                          f"cwd: {tmp_path / 'work'}\npermission_mode: "
                                          f"bypassPermissions\nenv:\n{env_yaml}")
        events = await run(agent)
    requests = [r.body for r in sim.requests if r.method == "POST"
                and r.path.endswith("/v1/messages")]
    # The CLI announces MCP tools to the model (as deferred tools, loaded on demand).
    assert "mcp__agentplug__two_num_tool" in json.dumps(requests[0])
    blocks = [b for m in requests[1]["messages"] if m["role"] == "user"
              and isinstance(m["content"], list) for b in m["content"]
              if b.get("type") == "tool_result"]
    assert blocks and ANSWER in str(blocks[-1]["content"])
    assert events[-1].text == "42."


async def test_ag2(checkout, tmp_path):
    pytest.importorskip("autogen")
    with ChatCompletionsSimulator(call(), Reply("42.")) as sim:
        events = await run(await built(
            checkout, f"type: ag2\ncwd: {tmp_path}\nllm: {{type: chatcompletion, model: m, "
                      f"base_url: '{sim.base_url}', max_retries: 0}}\n"))
    assert_ran(events)
    assert [t["function"]["name"] for t in sim.requests[0].body["tools"]] == ["two_num_tool"]
    assert sim.requests[1].body["messages"][-1]["content"] == ANSWER


PLANNER = '''\
from typing import Any, AsyncGenerator


def context_params(*names):  # massgen.tool's decorator, as MassGen defines it
    def mark(fn):
        fn.__context_params__ = set(names)
        return fn
    return mark


@context_params("prompt")
async def lesson_planner(prompt: list[dict[str, Any]]) -> AsyncGenerator[str, None]:
    """Plan a lesson for what the user asked (MassGen's lesson-planner tools' shape)."""
    yield "planning..."
    asked = next(m["content"] for m in prompt if m["role"] == "user")
    yield f"Lesson plan for: {asked} ({len(prompt)} messages seen)"
'''


async def test_a_tool_asking_for_the_conversation_gets_it(tmp_path, monkeypatch):
    """``@context_params("prompt")`` (MassGen's lesson planners): the tool is offered with
    no parameters and is given the conversation so far, this turn's prompt included."""
    (tmp_path / "planner.py").write_text(PLANNER)
    monkeypatch.chdir(tmp_path)
    with ChatCompletionsSimulator(Reply(tool_calls=[ToolCallSpec("lesson_planner", {},
                                                                 id="c1")]),
                                  Reply("Here it is.")) as sim:
        path = tmp_path / "agent.yaml"
        path.write_text("agents:\n  - id: teacher\n    system_message: You plan lessons.\n"
                        "    backend:\n      type: chatcompletion\n      model: m\n"
                        f"      base_url: {sim.base_url}\n      custom_tools:\n"
                        "        - name: [lesson_planner]\n          path: planner.py\n"
                        "          function: [lesson_planner]\n")
        agent = await asyncio.to_thread(lambda: create_agent(load_config(path).agents[0]))
        events = await run(agent, "photosynthesis")
    (tool,) = sim.requests[0].body["tools"]
    assert tool["function"]["name"] == "lesson_planner"
    assert tool["function"]["parameters"].get("properties", {}) == {}
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    # system + this turn's prompt + the model's call: what the model had seen at the call
    assert result.output == "Lesson plan for: photosynthesis (3 messages seen)"
    last = sim.requests[1].body["messages"][-1]
    assert last["role"] == "tool" and last["content"] == result.output
    assert agent.conversation() == agent.history  # no turn in progress any more
