"""MCP tools in classic AG2 (``autogen`` 0.14): ``register_for_llm`` puts the servers' schemas in
the caller's ``llm_config``, ``register_for_execution`` lets the executor run them, and AG2's
own tool-call reply runs them on the real server (async chats, and sync chats whose async
tools AG2 runs on a loop of its own in another thread)."""

from __future__ import annotations

import asyncio
import json

import pytest

autogen = pytest.importorskip("autogen")

from agentplug.adapters.mcp import MCPToolset  # noqa: E402
from agentplug.adapters.mcp.ag2 import ag2_tools, register_toolset  # noqa: E402
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec  # noqa: E402

from mcp_support import edge  # noqa: E402


def tool_call_message(*calls: tuple[str, str, str]) -> dict:
    """An assistant message asking for tool calls, as AG2's model client returns it."""
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
        for cid, name, args in calls]}


@pytest.fixture
def sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


async def test_register_for_llm_and_execution(sim):
    llm_config = {"config_list": [{"model": "sim-model", "api_key": "x",
                                   "base_url": sim.base_url}]}
    # AG2 builds its model client (SSL contexts) in the constructor: not on the loop
    assistant = await asyncio.to_thread(autogen.ConversableAgent, "assistant",
                                        llm_config=llm_config, human_input_mode="NEVER")
    runner = autogen.ConversableAgent("runner", llm_config=False, human_input_mode="NEVER",
                                      code_execution_config=False)
    async with MCPToolset([edge()]) as ts:
        tools = await register_toolset(ts, caller=assistant, executor=runner)
        assert len(tools) == len(ts.tool_defs())
        schemas = {t["function"]["name"]: t for t in assistant.llm_config["tools"]}
        echo = schemas["mcp__edge__echo"]["function"]
        assert echo["parameters"]["properties"]["text"]["type"] == "string"
        assert echo["description"] == "Echo the text back."
        assert "mcp__edge__echo" in runner.function_map

        message = tool_call_message(("c1", "mcp__edge__echo", '{"text": "from ag2"}'),
                                    ("c2", "mcp__edge__add", '{"a": 20, "b": 22}'),
                                    ("c3", "mcp__edge__fail", '{"message": "bad input"}'))
        reply = await runner.a_generate_reply(messages=[message], sender=assistant)
        contents = {r["tool_call_id"]: r["content"] for r in reply["tool_responses"]}
        assert contents["c1"] == "from ag2"
        assert '"sum": 42' in contents["c2"]
        assert contents["c3"].startswith("Error: ") and "bad input" in contents["c3"]


async def test_a_sync_chat_in_a_worker_thread_runs_the_tools_on_the_toolset_loop():
    runner = autogen.ConversableAgent("runner", llm_config=False, human_input_mode="NEVER",
                                      code_execution_config=False)
    async with MCPToolset([edge()]) as ts:
        for tool in ag2_tools(ts):
            tool.register_for_execution(runner)
        message = tool_call_message(("c1", "mcp__edge__echo", '{"text": "threaded"}'))
        # AG2's sync reply runs async tools on a loop of its own, in yet another thread
        reply = await asyncio.to_thread(runner.generate_reply, messages=[message],
                                        sender=runner)
    assert reply["tool_responses"][0]["content"] == "threaded"


async def test_an_ag2_chat_whose_model_calls_an_mcp_tool():
    """AG2 end to end: its own model client (pointed at the simulator) sees the MCP tools,
    asks for one, the user proxy runs it on the MCP server, the model gets the result."""
    script = [Reply(tool_calls=[ToolCallSpec("mcp__edge__add", {"a": 2, "b": 3}, id="c1")]),
              Reply("The sum is 5. TERMINATE")]
    with ChatCompletionsSimulator(*script) as sim:
        llm_config = {"config_list": [{"model": "sim-model", "api_key": "x",
                                       "base_url": sim.base_url}]}
        assistant = await asyncio.to_thread(autogen.ConversableAgent, "assistant",
                                            llm_config=llm_config, human_input_mode="NEVER")
        user = autogen.ConversableAgent(
            "user", llm_config=False, human_input_mode="NEVER", code_execution_config=False,
            is_termination_msg=lambda m: "TERMINATE" in (m.get("content") or ""))
        async with MCPToolset([edge()]) as ts:
            await register_toolset(ts, caller=assistant, executor=user)
            result = await user.a_initiate_chat(assistant, message="2+3?", max_turns=3)
    offered = {t["function"]["name"]: t["function"] for t in sim.requests[0].body["tools"]}
    assert offered["mcp__edge__add"]["parameters"]["required"] == ["a", "b"]
    tool_message = sim.requests[1].body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "c1"
    assert json.loads(tool_message["content"]) == {"sum": 5}
    assert result.chat_history[-1]["content"] == "The sum is 5. TERMINATE"
