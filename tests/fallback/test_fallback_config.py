"""A fallback chain's config: each member validated by its own backend, errors located."""

from __future__ import annotations

import pytest

from agentplug import ConfigError, create_agent, parse_config
from agentplug.testing import Fault, Reply
from fallback_support import answered, chain, claude_member, openai_member

BAD = """\
agent:
  backend:
    type: fallback
    backends:
      - {type: openai, model: gpt-4o, reasoning_efort: low}
      - {type: claude, model: claude-sonnet-4-5, enable_code_interpreter: true}
      - {type: nope}
      - {type: claude_code}
      - {type: openai, mcp_servers: [{name: t, command: x}]}
"""


def test_every_member_problem_is_located_with_a_fix():
    with pytest.raises(ConfigError) as info:
        parse_config(BAD, source="chain.yaml")
    lines = str(info.value).splitlines()
    assert ("chain.yaml:5: agent.backend.backends[0].reasoning_efort: unknown key for backend "
            "'openai' (did you mean 'reasoning_effort'?)") in lines
    assert any(line.startswith("chain.yaml:6: agent.backend.backends[1].enable_code_interpreter:"
                               " not supported by the 'claude' backend") for line in lines)
    assert any(line.startswith("chain.yaml:7: agent.backend.backends[2].type: unknown backend "
                               "type 'nope'") for line in lines)
    assert ("chain.yaml:8: agent.backend.backends[3].type: a 'claude_code' backend cannot be a "
            "member of a fallback chain (members must be stateless model backends)") in lines
    assert any(line.startswith("chain.yaml:9: agent.backend.backends[4].mcp_servers: put "
                               "mcp_servers on the fallback backend itself") for line in lines)


def test_members_keep_their_own_params_and_sdk_retries_are_off_unless_set():
    config = parse_config("""\
agent:
  backend:
    type: fallback
    mcp_servers: [{name: time, command: uvx, args: [mcp-server-time]}]
    backends:
      - {type: openai, model: gpt-5-mini, reasoning_effort: low}
      - {type: claude, model: claude-sonnet-4-5, max_retries: 3}
""")
    params = config.agents[0].backend
    first, second = params.backends
    assert (type(first).__name__, first.reasoning_effort, first.max_retries) == \
        ("OpenAIParams", "low", 0)
    assert (type(second).__name__, second.max_retries) == ("ClaudeParams", 3)
    assert [s.name for s in params.mcp_servers] == ["time"]  # the chain's, shared by all
    # The dump keeps each member's own keys (a CLI override round-trips through it).
    dumped = params.model_dump(exclude_unset=True)["backends"][0]
    assert dumped["reasoning_effort"] == "low"


async def test_max_retries_set_on_a_member_is_honoured(openai_sim, claude_sim):
    openai_sim.script(Fault.http(429, retry_after=0.05), Reply("openai after one retry"))
    config = chain(openai_member(openai_sim.base_url, max_retries=1),
                   claude_member(claude_sim.base_url))
    async with create_agent(config) as agent:
        result = await agent.run("x")
    assert result.text == "openai after one retry"
    assert answered(openai_sim) == 2 and answered(claude_sim) == 0


async def test_a_member_without_its_key_fails_at_open_naming_it(monkeypatch, claude_sim):
    config = chain({"type": "openai", "model": "gpt-4o"}, claude_member(claude_sim.base_url))
    agent = create_agent(config)
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        await agent.open()


def test_provider_keys_on_the_chain_itself_are_located():
    with pytest.raises(ConfigError) as info:
        parse_config("agent:\n  backend:\n    type: fallback\n    model: gpt-4o\n"
                     "    backends: [{type: openai}]\n", source="c.yaml")
    assert str(info.value) == ("c.yaml:4: agent.backend.model: belongs on each member of "
                               "`backends:`, not on the chain")
