"""Typed answers from stateful sessions: the real Claude Code CLI and a classic AG2 agent,
both against the simulators, with the prompted strategy on the session's final answer."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os


import pytest

from agentplug import create_agent
from agentplug.core.host import default_host
from agentplug.testing import AnthropicSimulator, ChatCompletionsSimulator, Reply

from structured_support import BAD, GOOD, City

# The plugins and session runtimes load here, outside the event loop the slow-callback guard
# watches (under load these imports take seconds).
default_host()
for _runtime, _plugin in (("claude_agent_sdk", "agentplug.plugins.claude_code.backend"),
                          ("autogen", "agentplug.plugins.ag2.backend")):
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


async def test_claude_code_final_answer_is_validated_and_retried_in_the_session(tmp_path):
    pytest.importorskip("claude_agent_sdk")
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    with AnthropicSimulator(Reply(BAD), Reply(GOOD), model="claude-sonnet-4-6") as sim:
        agent = create_agent({"type": "claude_code", "model": "claude-sonnet-4-6",
                              "base_url": sim.base_url, "api_key": "sk-ant-cc-test",
                              "cwd": str(tmp_path / "work"), "max_retries": 0, "env": env})
        async with agent:
            city = await agent.run("Describe Lyon.", output_type=City)
        calls = [r.body for r in sim.requests if r.path.endswith("/v1/messages")]
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


