"""Hostile tool-call arguments from every wire format: malformed JSON, huge, deeply nested or
of the wrong types. They reach the tool loop as an error result sent back to the model, the
turn goes on to its ``Done``; never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agentplug import Done, ToolResult
from agentplug.testing import Reply, ToolCallSpec
from fuzz_support import budget
from stream_support import FORMATS, Harness, one_turn

CALLS: list[dict[str, Any]] = []


def lookup(city: str, days: int = 1) -> str:
    """Weather for a city."""
    CALLS.append({"city": city, "days": days})
    return f"{city}: sunny for {days} day(s)"


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=10)
wrong_types = st.fixed_dictionaries(
    {}, optional={"city": json_values, "days": json_values, "extra": json_values})
huge = st.integers(1, 300_000).map(lambda n: {"city": "x" * n})
many_keys = st.integers(1, 2_000).map(lambda n: {f"k{i}": i for i in range(n)})
# The simulators build their streams with json.dumps, which stops near 1,000 levels: past
# that the wire itself, not agentplug, would be under test.
MAX_WIRE_DEPTH = {"anthropic": 800}


def objects(fmt_name: str) -> st.SearchStrategy[Any]:
    depth = MAX_WIRE_DEPTH.get(fmt_name, 900)
    deep = st.integers(1, depth).map(lambda d: {"city": nested(d)})
    return wrong_types | huge | many_keys | deep


@st.composite
def malformed_json(draw: Any, fmt_name: str) -> str:
    base = json.dumps(draw(objects(fmt_name)))
    kind = draw(st.sampled_from(["cut", "text", "junk", "not-object", "deep-text"]))
    if kind == "cut":
        return base[:draw(st.integers(0, max(0, len(base) - 1)))]
    if kind == "junk":
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.sampled_from(["}", "{", '"', ",", "\\", "\x00", "NaN"])) + \
            base[at:]
    if kind == "not-object":
        return json.dumps(draw(json_values))
    if kind == "deep-text":  # deeper than Python's JSON parser recurses
        depth = draw(st.integers(1, 50_000 if fmt_name not in MAX_WIRE_DEPTH else 800))
        return '{"city": ' + "[" * depth + "]" * depth + "}"
    return draw(st.text(max_size=200))


@pytest.fixture(scope="module", params=FORMATS, ids=lambda f: f.name)
def harness(request: pytest.FixtureRequest):
    h = Harness(request.param)
    yield h
    h.close()


def arguments_for(fmt_name: str) -> st.SearchStrategy[Any]:
    # Gemini's wire carries the arguments as a JSON object, never as text.
    if fmt_name == "gemini":
        return objects(fmt_name)
    return objects(fmt_name) | malformed_json(fmt_name)


async def _turn(h: Harness, args: Any, **backend: Any) -> tuple[list[Any], Any]:
    call = ToolCallSpec("lookup", arguments=args, id="call_fuzz_1", chunk_size=4096)
    h.script(Reply(tool_calls=[call]), Reply("done"))
    async with h.agent(tools=[lookup], **backend) as agent:
        events = await one_turn(agent, "weather?")
        follow_up = await one_turn(agent, "thanks")
    return events, follow_up


@budget(normal=10, long=150)
@given(data=st.data())
def test_hostile_arguments_become_tool_errors(harness: Harness, data: st.DataObject) -> None:
    args = data.draw(arguments_for(harness.fmt.name), label="arguments")
    CALLS.clear()
    events, follow_up = harness.run(_turn(harness, args))
    done = events[-1]
    assert isinstance(done, Done) and done.text == "done", done
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    ran = bool(CALLS)
    event(f"tool ran: {ran}")
    assert result.is_error is not ran, result
    # The error went back to the model, in the request that followed.
    sent = json.dumps([r.body for r in harness.sim.requests[1:2]])
    if not ran:
        assert "invalid arguments" in sent or "lookup" in sent
        assert "invalid arguments" in result.output or "arguments" in result.output
    assert isinstance(follow_up[-1], Done)


@pytest.mark.parametrize("depth", [150, 900, 5_000])
def test_arguments_nested_too_deep_are_a_tool_error(depth: int) -> None:
    fmt = next(f for f in FORMATS if f.name == "chat_completions")
    h = Harness(fmt)
    try:
        CALLS.clear()
        events, follow_up = h.run(_turn(h, '{"city": ' + "[" * depth + "]" * depth + "}"))
    finally:
        h.close()
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.is_error and "invalid arguments" in result.output and not CALLS
    assert isinstance(events[-1], Done) and isinstance(follow_up[-1], Done)


@pytest.mark.parametrize("fast_stream", [True, False], ids=["fast path", "SDK path"])
@pytest.mark.parametrize("depth", [150, 300, 900])
def test_gemini_deep_arguments_are_a_tool_error(depth: int, fast_stream: bool) -> None:
    """Gemini's arguments arrive as a JSON object, not text: nested too deep, they are
    replaced before the call is kept (google-genai cannot serialize a few hundred levels back
    into the next request), and the model gets an error result."""
    fmt = next(f for f in FORMATS if f.name == "gemini")
    h = Harness(fmt)
    try:
        CALLS.clear()
        events, follow_up = h.run(_turn(h, {"city": nested(depth)}, fast_stream=fast_stream))
        sent = h.sim.requests[1].body
    finally:
        h.close()
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.is_error and "invalid arguments" in result.output and not CALLS
    assert isinstance(events[-1], Done) and isinstance(follow_up[-1], Done)
    (call,) = [p["functionCall"] for c in sent["contents"] for p in c["parts"]
               if "functionCall" in p]
    assert "nested deeper than" in json.dumps(call["args"])
