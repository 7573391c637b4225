"""The tool strategy streams partial objects too: on the wires that stream a function call's
arguments (Chat Completions, Responses, Anthropic), through the real SDKs against the
simulators, the output tool's argument pieces arrive as ``ToolCallDelta`` events and grow
into partial ``StructuredOutput`` events, then the validated instance just before Done."""

from __future__ import annotations

import json

import pytest

from agentplug import StructuredOutput, ToolCallDelta, ToolCallRequested, create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

from structured_support import GOOD, WIRES, City

_STREAMING = [w for w in WIRES if w.name != "gemini"]  # Gemini sends arguments whole


@pytest.fixture(params=_STREAMING, ids=[w.name for w in _STREAMING])
def wire(request, monkeypatch):
    return request.param.environ(monkeypatch)


@pytest.fixture(params=[True, False], ids=["fast", "sdk"])
def fast_stream(request):
    return request.param


async def _stream(wire, sim, fast_stream, *replies):
    sim.script(*replies)
    config = {**wire.config(sim.base_url), "max_retries": 0, "fast_stream": fast_stream}
    async with create_agent(config) as agent:
        return [e async for e in agent.stream("Describe Lyon.", output_type=City,
                                              output_strategy="tool")]


async def test_tool_strategy_partials_grow_then_the_instance(wire, sim, fast_stream):
    call = ToolCallSpec("final_City", json.loads(GOOD), id="call_city", chunk_size=6)
    events = await _stream(wire, sim, fast_stream, Reply(tool_calls=[call]))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert len(deltas) > 5 and {(d.call_id, d.name) for d in deltas} == {
        ("call_city", "final_City")}
    assert json.loads("".join(d.arguments for d in deltas)) == json.loads(GOOD)
    outputs = [e for e in events if isinstance(e, StructuredOutput)]
    partials = [e.value for e in outputs if e.partial]
    assert len(partials) >= 3
    for earlier, later in zip(partials, partials[1:], strict=False):
        assert earlier != later
        assert set(earlier) <= set(later)
    assert partials[-1] == json.loads(GOOD)
    # each partial follows the argument piece that grew it, before the call is whole
    requested = next(i for i, e in enumerate(events) if isinstance(e, ToolCallRequested))
    for partial in outputs[:-1]:
        at = events.index(partial)
        assert isinstance(events[at - 1], ToolCallDelta) and at < requested
    assert outputs[-1].partial is False and outputs[-1].value == City.model_validate_json(GOOD)
    assert events[-1].type == "done" and events[-2] is outputs[-1]


async def test_a_retried_output_call_starts_its_partials_afresh(wire, sim):
    bad = ToolCallSpec("final_City", {"name": "Lyon", "size": "huge", "sights": []},
                       id="call_bad", chunk_size=5)
    good = ToolCallSpec("final_City", json.loads(GOOD), id="call_good", chunk_size=5)
    events = await _stream(wire, sim, True, Reply(tool_calls=[bad]), Reply(tool_calls=[good]))
    # the invalid call's error goes back as its tool result (a message, not an event)
    retry = next(i for i, e in enumerate(events) if isinstance(e, ToolCallRequested))

    def partials(part):
        return [e.value for e in part if isinstance(e, StructuredOutput) and e.partial]

    first, second = partials(events[:retry]), partials(events[retry:])
    assert first[-1] == {"name": "Lyon", "size": "huge", "sights": []}
    # the second call's partials are its own, grown from nothing again
    assert len(second) >= 3 and "size" not in second[0]
    assert all(p.get("size") != "huge" for p in second)
    assert second[-1] == json.loads(GOOD)
    final = [e for e in events if isinstance(e, StructuredOutput) and not e.partial]
    assert len(final) == 1 and final[0].value.size == "large"


async def test_other_tools_deltas_make_no_partials(wire, sim):
    """Only the output tool's arguments are the answer; another tool's pieces are events of
    their own, nothing more."""
    from agentplug import tool

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        return "a city on the Rhone"

    lookup_call = ToolCallSpec("lookup", {"city": "Lyon, France"}, id="call_lookup",
                               chunk_size=4)
    answer = ToolCallSpec("final_City", json.loads(GOOD), id="call_city", chunk_size=8)
    sim.script(Reply(tool_calls=[lookup_call]), Reply(tool_calls=[answer]))
    async with wire.agent(sim, tools=[lookup]) as agent:
        events = [e async for e in agent.stream("Describe Lyon.", output_type=City,
                                                output_strategy="tool")]
    first_result = next(i for i, e in enumerate(events) if e.type == "tool_result")
    before = events[:first_result]
    assert any(isinstance(e, ToolCallDelta) and e.name == "lookup" for e in before)
    assert not any(isinstance(e, StructuredOutput) for e in before)
    assert [e for e in events[first_result:] if isinstance(e, StructuredOutput)]


@pytest.mark.parametrize("provider,model", [("groq", "llama-3.3-70b-versatile"),
                                            ("poe", "GPT-4o")])
async def test_presets_declaring_the_tool_strategy_stream_partials(provider, model):
    """Groq's llama models and Poe answer through the output tool by default."""
    call = ToolCallSpec("final_City", json.loads(GOOD), chunk_size=7)
    with ChatCompletionsSimulator(Reply(tool_calls=[call]), models=(model,)) as sim:
        agent = create_agent({"type": "chatcompletion", "provider": provider, "model": model,
                              "base_url": sim.base_url, "api_key": "k", "max_retries": 0})
        async with agent:
            events = [e async for e in agent.stream("Describe Lyon.", output_type=City)]
        assert "response_format" not in sim.requests[0].body
    outputs = [e for e in events if isinstance(e, StructuredOutput)]
    assert len(outputs) >= 4 and all(e.partial for e in outputs[:-1])
    assert outputs[-2].value == json.loads(GOOD) and outputs[-1].value.name == "Lyon"


def test_renderers_and_serialisation_take_the_event():
    """The terminal renderer shows nothing for an argument piece (the whole call is shown
    when it comes); ``--json`` and ``batch --events`` write it as any other event."""
    import io

    from agentplug.commands._render import JsonRenderer, TerminalRenderer
    from agentplug.core.events import event_to_dict

    event = ToolCallDelta("call_1", "final_City", '{"name": "Ly')
    out, err = io.StringIO(), io.StringIO()
    TerminalRenderer(out, err, markdown=False)(event)
    assert out.getvalue() == "" and err.getvalue() == ""
    assert event_to_dict(event) == {"call_id": "call_1", "name": "final_City",
                                    "arguments": '{"name": "Ly', "type": "tool_call_delta"}
    lines = io.StringIO()
    JsonRenderer(lines)(event)
    assert json.loads(lines.getvalue()) == event_to_dict(event)
