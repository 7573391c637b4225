"""Typed answers from stateful sessions: the real Claude Code CLI (its own structured output,
``--json-schema``, or the prompted strategy), a classic AG2 agent and an ag2 1.x agent
(prompted), against the simulators."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os


import pytest

from agentplug import create_agent
from agentplug.core.host import default_host
from agentplug.testing import AnthropicSimulator, ChatCompletionsSimulator, Reply, ToolCallSpec

from structured_support import BAD, GOOD, City

# The plugins and session runtimes load here, outside the event loop the slow-callback guard
# watches (under load these imports take seconds).
default_host()
for _runtime, _plugin in (("claude_agent_sdk", "agentplug.plugins.claude_code.backend"),
                          ("autogen", "agentplug.plugins.ag2.backend"),
                          ("ag2", "agentplug.plugins.ag2_agent.backend")):
    if importlib.util.find_spec(_runtime) is not None:
        importlib.import_module(_runtime)
        importlib.import_module(_plugin)


def _user_texts(body: dict) -> list[str]:
    out = []
    for m in body["messages"]:
        if m.get("role") != "user":
            continue
        content = m["content"]
        if isinstance(content, str):
            out.append(content)
        else:
            out.extend(b.get("text", "") for b in content if b.get("type") == "text")
    return out


def _claude_code(sim, tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    return create_agent({"type": "claude_code", "model": "claude-sonnet-4-6",
                         "base_url": sim.base_url, "api_key": "sk-ant-cc-test",
                         "cwd": str(tmp_path / "work"), "max_retries": 0, "env": env})


def _messages_calls(sim) -> list[dict]:
    return [r.body for r in sim.requests if r.path.endswith("/v1/messages")]


async def test_claude_code_answers_through_its_own_structured_output(tmp_path):
    """The CLI's --json-schema: the model calls its StructuredOutput tool, the CLI checks the
    input against the schema (an invalid one goes back as the tool's error, inside the
    turn), and the checked object becomes the instance. A later untyped turn reopens the
    session without the schema and carries on the conversation."""
    pytest.importorskip("claude_agent_sdk")
    bad, good = (ToolCallSpec("StructuredOutput", json.loads(x)) for x in (BAD, GOOD))
    with AnthropicSimulator(Reply(tool_calls=[bad]), Reply(tool_calls=[good]),
                            default=Reply("Lyon it is."), model="claude-sonnet-4-6") as sim:
        async with _claude_code(sim, tmp_path) as agent:
            city = await agent.run("Describe Lyon.", output_type=City)
            typed_calls = len(_messages_calls(sim))
            after = await agent.run("Thanks!")
        calls = _messages_calls(sim)
    assert city == City.model_validate_json(GOOD)
    first = calls[0]
    tool = next(t for t in first.get("tools", []) if t["name"] == "StructuredOutput")
    assert set(tool["input_schema"]["properties"]) == {"name", "size", "sights"}
    # The CLI sent the invalid input back as the tool's error and the model answered again.
    results = [b for m in calls[1]["messages"] if isinstance(m["content"], list)
               for b in m["content"] if b.get("type") == "tool_result"]
    assert results and results[-1].get("is_error") is True
    assert json.loads(agent.history[1].text) == json.loads(GOOD)
    # The untyped turn: a session without the schema, the conversation resumed.
    assert after.text == "Lyon it is."
    later = calls[typed_calls:]
    assert later and all(t["name"] != "StructuredOutput"
                         for c in later for t in c.get("tools", []))
    assert any("Describe Lyon." in t for t in _user_texts(later[0]))


async def test_claude_code_prompted_answer_is_validated_and_retried_in_the_session(tmp_path):
    pytest.importorskip("claude_agent_sdk")
    with AnthropicSimulator(Reply(BAD), Reply(GOOD), model="claude-sonnet-4-6") as sim:
        async with _claude_code(sim, tmp_path) as agent:
            city = await agent.run("Describe Lyon.", output_type=City,
                                   output_strategy="prompted")
        calls = _messages_calls(sim)
    assert city == City.model_validate_json(GOOD)
    assert len(calls) == 2
    first, second = (_user_texts(b) for b in calls)
    assert any('"sights"' in t for t in first)  # the schema went with the prompt
    # The retry continued the same session: the first prompt once, then the error.
    assert sum("Describe Lyon." in t for t in second) == 1
    assert any("did not match the required schema" in t for t in second)
    assert agent.history[1].text == BAD and agent.history[-1].text == GOOD


async def test_ag2_final_answer_is_validated_and_retried(tmp_path):
    pytest.importorskip("autogen")
    with ChatCompletionsSimulator(Reply("```json\n" + BAD + "\n```"), Reply(GOOD)) as sim:
        agent = create_agent({"type": "ag2",
                              "agent_config": {"type": "assistant", "name": "coder"},
                              "llm": {"type": "chatcompletion", "model": "sim-model",
                                      "base_url": sim.base_url, "max_retries": 0},
                              "cwd": str(tmp_path)})
        async with agent:
            city = await agent.run("Describe Lyon.", output_type=City)
        bodies = [r.body for r in sim.requests]
    assert city.name == "Lyon"
    assert "response_format" not in bodies[0]
    second = [m["content"] for m in bodies[1]["messages"] if m["role"] == "user"]
    assert sum("Describe Lyon." in c for c in second) == 1
    assert "did not match the required schema" in second[-1]
    assert json.loads(GOOD) == json.loads(agent.history[-1].text)




async def test_ag2_agent_final_answer_is_validated_and_retried():
    """ag2 1.x's agent under the protocol (``type: ag2_agent``): prompted, like classic AG2."""
    pytest.importorskip("ag2")
    with ChatCompletionsSimulator(Reply(BAD), Reply("```json\n" + GOOD + "\n```")) as sim:
        agent = create_agent({"type": "ag2_agent", "name": "helper",
                              "llm": {"type": "chatcompletion", "model": "sim-model",
                                      "base_url": sim.base_url, "max_retries": 0}})
        async with agent:
            city = await agent.run("Describe Lyon.", output_type=City)
        bodies = [r.body for r in sim.requests]
    assert city == City.model_validate_json(GOOD)
    assert "response_format" not in bodies[0]
    assert any('"sights"' in m["content"] for m in bodies[0]["messages"]
               if m["role"] == "user" and isinstance(m["content"], str))
    assert "did not match the required schema" in json.dumps(bodies[1]["messages"][-1])
