"""Broken streams through the real SDKs: recorded cassettes (served from 127.0.0.1) and
simulator scripts, truncated, reordered and corrupted byte-wise. Every turn ends in exactly
one ``Done`` or ``ErrorEvent``, within a time bound, and the agent works on the next turn."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agentplug import Done, ErrorEvent
from agentplug.testing import Fault, Reply, ToolCallSpec
from fuzz_support import budget
from stream_support import FORMATS, Harness, WireFormat, one_turn, raw

GARBAGE = [b"data: {not json\n\n", b"data: [DONE]\n\n", b"event: bogus\ndata: {}\n\n",
           b": keep-alive\n\n", b"data: \n\n", b"\n\n\n", b"data: null\n\n", b"data: 42\n\n",
           b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n',
           b'data: {"error": {"message": "boom"}}\n\n', b"\xff\xfe\x00", b"\r\n"]


@pytest.fixture(scope="module", params=FORMATS, ids=lambda f: f.name)
def harness(request: pytest.FixtureRequest):
    h = Harness(request.param)
    yield h
    h.close()


@st.composite
def mutated_stream(draw: Any, fmt: WireFormat) -> tuple[bytes, str, str]:
    name, body, ctype = draw(st.sampled_from(fmt.recorded()))
    events = body.split(b"\n\n")
    ops = draw(st.lists(st.sampled_from(["truncate", "drop", "dup", "swap", "shuffle",
                                         "bytes", "garbage", "splice"]), min_size=1,
                        max_size=4))
    for op in ops:
        if not events:
            break
        i = draw(st.integers(0, len(events) - 1))
        j = draw(st.integers(0, len(events) - 1))
        if op == "drop":
            del events[i]
        elif op == "dup":
            events.insert(i, events[j])
        elif op == "swap":
            events[i], events[j] = events[j], events[i]
        elif op == "shuffle":  # a seeded shuffle: drawing a permutation of 1,000 is slow
            random.Random(draw(st.integers(0, 2**32))).shuffle(events)
        elif op == "garbage":
            events.insert(i, draw(st.sampled_from(GARBAGE) | st.binary(max_size=40)))
        elif op == "splice":  # an event cut short and glued to the next
            ev = events[i]
            events[i] = ev[:draw(st.integers(0, len(ev)))]
        else:
            flat = b"\n\n".join(events)
            if op == "truncate":
                flat = flat[:draw(st.integers(0, len(flat)))]
            else:
                at = draw(st.integers(0, max(0, len(flat) - 1)))
                flat = flat[:at] + draw(st.binary(min_size=1, max_size=16)) + flat[at + 1:]
            events = flat.split(b"\n\n")
    event(f"ops: {'+'.join(sorted(set(ops)))}")
    return b"\n\n".join(events), ctype, name


async def _two_turns(h: Harness, first_reply: Any) -> tuple[list[Any], list[Any]]:
    h.script(first_reply)
    async with h.agent() as agent:
        first = await one_turn(agent, "hello")
        # Whatever the first turn met, the agent and its history are fit for the next one.
        second = await one_turn(agent, "again")
    return first, second


@budget(normal=6, long=300)
@given(data=st.data())
def test_mutated_cassettes(harness: Harness, data: st.DataObject) -> None:
    body, ctype, name = data.draw(mutated_stream(harness.fmt), label="stream")
    first, second = harness.run(_two_turns(harness, raw(body, ctype)))
    event(f"first turn: {type(first[-1]).__name__}")
    assert isinstance(second[-1], Done), second[-1]
    assert second[-1].text == "recovered"


replies = st.builds(
    Reply,
    text=st.text(max_size=60),
    reasoning=st.text(max_size=30),
    tool_calls=st.lists(st.builds(ToolCallSpec, name=st.sampled_from(["nope", "echo"]),
                                  arguments=st.dictionaries(st.text(max_size=5),
                                                            st.integers(), max_size=3)),
                        max_size=2),
    chunk_size=st.none() | st.integers(1, 20),
    fault=st.none() | st.builds(
        Fault, drop_after=st.none() | st.integers(0, 12),
        malformed_after=st.none() | st.integers(0, 12),
        error_after=st.none() | st.integers(0, 12)),
)


@budget(normal=6, long=300)
@given(reply=replies)
def test_faulty_simulator_scripts(harness: Harness, reply: Reply) -> None:
    first, second = harness.run(_two_turns(harness, reply))
    fault = reply.fault
    broke = fault is not None and any(
        v is not None for v in (fault.drop_after, fault.malformed_after, fault.error_after))
    event(f"fault: {broke}, first turn: {type(first[-1]).__name__}")
    if not broke and not reply.tool_calls:
        assert isinstance(first[-1], Done), first[-1]
    if isinstance(first[-1], ErrorEvent):
        assert first[-1].message
    assert isinstance(second[-1], Done) and second[-1].text == "recovered", second[-1]
