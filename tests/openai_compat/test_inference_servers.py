"""vllm / sglang: port detection against simulators on free ports, mixed deployment,
server sampling params, separate_reasoning."""

from __future__ import annotations

import pytest

from agentplug import Notice, ProviderConnectionError, ReasoningDelta, TextDelta, create_agent
from agentplug import load_config
from agentplug.build import create_agent as build_agent
from agentplug.testing import ChatCompletionsSimulator, Reply
from compat_support import closed_port, collect


@pytest.fixture
def vllm_sim():
    with ChatCompletionsSimulator(models=("Qwen/Qwen3-8B",), owned_by="vllm") as s:
        yield s


@pytest.fixture
def sglang_sim():
    with ChatCompletionsSimulator(models=("deepseek-r1",), owned_by="sglang") as s:
        yield s


@pytest.mark.parametrize("kind", ("vllm", "sglang"))
async def test_detects_the_server_on_a_probe_port_and_reports_it(kind, vllm_sim):
    dead = closed_port()
    vllm_sim.script(Reply("hello"), Reply("again"))
    config = {"type": kind, "probe_ports": [dead, vllm_sim.port]}
    async with create_agent(config) as agent:
        events = await collect(agent, "hi")
        again = await collect(agent, "hi again")
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1
    assert f"http://127.0.0.1:{vllm_sim.port}/v1" in notices[0].message
    assert "Qwen/Qwen3-8B" in notices[0].message
    # a vllm agent on a vLLM server is fine; an sglang agent there is warned
    assert notices[0].level == ("info" if kind == "vllm" else "warning")
    assert not any(isinstance(e, Notice) for e in again)  # reported once
    chat = [r for r in vllm_sim.requests if r.path.endswith("/chat/completions")]
    assert chat[0].body["model"] == "Qwen/Qwen3-8B"  # the served model, as none was given
    assert [r.path for r in vllm_sim.requests if r.method == "GET"] == ["/v1/models"]


async def test_configured_base_url_wins_over_probe_ports(vllm_sim, sglang_sim):
    sglang_sim.script(Reply("from sglang"))
    config = {"type": "sglang", "base_url": sglang_sim.base_url,
              "probe_ports": [vllm_sim.port]}
    async with create_agent(config) as agent:
        assert (await agent.run("x")).text == "from sglang"
    assert vllm_sim.requests == []


async def test_dead_base_url_falls_back_to_the_probe_ports(sglang_sim):
    sglang_sim.script(Reply("found"))
    config = {"type": "sglang", "base_url": f"http://127.0.0.1:{closed_port()}/v1",
              "probe_ports": [sglang_sim.port], "model": "deepseek-r1"}
    async with create_agent(config) as agent:
        assert (await agent.run("x")).text == "found"


@pytest.mark.parametrize("kind,engine", [("vllm", "vLLM"), ("sglang", "SGLang")])
async def test_no_server_is_a_connection_error_listing_every_url_probed(kind, engine):
    base, p1, p2 = (f"http://127.0.0.1:{closed_port()}/v1", closed_port(), closed_port())
    agent = create_agent({"type": kind, "base_url": base, "probe_ports": [p1, p2],
                          "probe_timeout": 0.5})
    with pytest.raises(ProviderConnectionError) as info:
        await agent.open()
    message = str(info.value)
    for url in (base, f"http://127.0.0.1:{p1}/v1", f"http://127.0.0.1:{p2}/v1"):
        assert url in message
    assert f"no {engine} server answered" in message


async def test_mixed_deployment_from_one_config(tmp_path, vllm_sim, sglang_sim):
    vllm_sim.script(Reply("vllm here"))
    sglang_sim.script(Reply("sglang here"))
    path = tmp_path / "team.yaml"
    path.write_text(f"""
agents:
  - id: fast
    backend: {{type: vllm, probe_ports: [{vllm_sim.port}], top_k: 20, min_p: 0.05,
               repetition_penalty: 1.1}}
  - id: thinker
    backend: {{type: sglang, probe_ports: [{sglang_sim.port}],
               chat_template_kwargs: {{enable_thinking: true}}}}
""")
    config = load_config(path)
    answers = []
    for agent_config in config.agents:
        async with build_agent(agent_config) as agent:
            answers.append((await agent.run("who are you?")).text)
    assert answers == ["vllm here", "sglang here"]
    v = [r for r in vllm_sim.requests if r.method == "POST"][0].body
    s = [r for r in sglang_sim.requests if r.method == "POST"][0].body
    assert (v["top_k"], v["min_p"], v["repetition_penalty"]) == (20, 0.05, 1.1)
    assert "separate_reasoning" not in v  # vLLM separates by its server-side parser
    assert s["chat_template_kwargs"] == {"enable_thinking": True}
    assert s["separate_reasoning"] is True


@pytest.mark.parametrize("field", ("reasoning_content", "reasoning"))
@pytest.mark.parametrize("kind", ("vllm", "sglang"))
async def test_separated_reasoning_streams_as_reasoning(kind, field):
    with ChatCompletionsSimulator(Reply("42", reasoning="think hard"),
                                  reasoning_field=field) as s:
        async with create_agent({"type": kind, "base_url": s.base_url,
                                 "probe_ports": []}) as agent:
            events = await collect(agent, "x")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "think hard"
    assert events[-1].text == "42"


@pytest.mark.parametrize("kind", ("vllm", "sglang"))
async def test_separate_reasoning_false_delivers_thinking_as_text(kind):
    with ChatCompletionsSimulator(Reply("42", reasoning="think. ")) as s:
        async with create_agent({"type": kind, "base_url": s.base_url, "probe_ports": [],
                                 "separate_reasoning": False}) as agent:
            events = await collect(agent, "x")
        body = [r for r in s.requests if r.method == "POST"][0].body
    assert not any(isinstance(e, ReasoningDelta) for e in events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "think. 42"
    assert events[-1].text == "think. 42" and events[-1].message.reasoning == ""
    if kind == "sglang":
        assert body["separate_reasoning"] is False


async def test_the_mixed_deployment_example_runs_against_two_servers(tmp_path, vllm_sim,
                                                                     sglang_sim):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "vllm.yaml"
    text = example.read_text().replace("[8000]", f"[{vllm_sim.port}]").replace(
        "[30000]", f"[{sglang_sim.port}]")
    path = tmp_path / "team.yaml"
    path.write_text(text)
    config = load_config(path)
    vllm_sim.script(Reply("draft"))
    sglang_sim.script(Reply("review"))
    for agent_config, expected in zip(config.agents, ("draft", "review"), strict=True):
        async with build_agent(agent_config) as agent:
            assert (await agent.run("write")).text == expected


def test_nowhere_to_look_is_a_config_error():
    from agentplug import ConfigError

    with pytest.raises(ConfigError, match="nowhere to look"):
        create_agent({"type": "vllm", "probe_ports": []})
