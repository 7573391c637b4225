"""The fast stream path against the SDK path: every recorded cassette, a spread of simulator
scripts and every fault of the shared suite give the same events on both (text, reasoning,
tool calls and their arguments, built-in tool events, usage, stop reasons, error types and
messages), down to every field of every event."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from agentplug.testing import BuiltinSpec, Fault, RawResponse, Reply, ToolCallSpec
from paths_support import CASSETTES, WIRES, both_paths, without_ids

DONE = ("chat_completions", "responses", "anthropic", "gemini")  # the wires with a fast path
pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason="shared cassettes not present")


def same(fast: list[str], sdk: list[str]) -> None:
    fast, sdk = ([without_ids(e) for e in events] for events in (fast, sdk))
    assert fast == sdk
    assert len(fast) > 1


CASES = [(wire, name) for wire in DONE for name, _ in WIRES[wire].recorded()]


@pytest.mark.parametrize(("wire", "cassette"), CASES, ids=[f"{w}-{c}" for w, c in CASES])
async def test_recorded_streams(wire, cassette):
    bodies = dict(WIRES[wire].recorded())[cassette]
    fast, sdk = await both_paths(WIRES[wire], bodies)
    same(fast, sdk)


def _with_unknowns(wire: str, body: bytes) -> bytes:
    """Every JSON object of every payload given a field no SDK knows, and an event of a type
    none knows after the first event."""
    def tag(value: Any) -> Any:
        if isinstance(value, dict):
            return {**{k: tag(v) for k, v in value.items()}, "zz_unknown": {"n": [1, "x"]}}
        return [tag(v) for v in value] if isinstance(value, list) else value

    events = []
    for event in body.split(b"\n\n"):
        lines = []
        for line in event.split(b"\n"):
            if line.startswith(b"data: {"):
                line = b"data: " + json.dumps(tag(json.loads(line[6:]))).encode()
            lines.append(line)
        events.append(b"\n".join(lines))
    name = b"event: zz_unknown\n" if wire == "anthropic" else b""
    events.insert(1, name + b'data: {"type": "zz_unknown", "object": "zz", "n": 1}')
    return b"\n\n".join(events)


UNKNOWN_CASES = [(wire, name) for wire in DONE for name, _ in WIRES[wire].recorded()[:2]]


@pytest.mark.parametrize(("wire", "cassette"), UNKNOWN_CASES,
                         ids=[f"{w}-{c}" for w, c in UNKNOWN_CASES])
async def test_unknown_fields_and_events(wire, cassette):
    bodies = [RawResponse(r.status, _with_unknowns(wire, bytes(r.body)), r.headers)
              for r in dict(WIRES[wire].recorded())[cassette]]
    fast, sdk = await both_paths(WIRES[wire], bodies)
    same(fast, sdk)


def _scripts(wire: str) -> dict[str, list[Reply]]:
    code = "code_interpreter" if wire == "responses" else "code_execution"
    call = ToolCallSpec("echo", {"text": "a \"quoted\" ünïcode ✓"}, id="call_1", chunk_size=3)
    return {
        "text": [Reply("Hello there, world.")],
        "one_char_deltas": [Reply("tiny pieces of text " * 5, chunk_size=1)],
        "reasoning": [Reply("The answer is 4.", reasoning="2 + 2 is 4, surely.")],
        "signed_reasoning": [Reply("ok", reasoning="hmm", reasoning_signature="c2lnbmVk")],
        "tool_loop": [Reply("", tool_calls=[call]), Reply("The tool said so.")],
        "two_calls": [Reply("calling", tool_calls=[
            ToolCallSpec("echo", {"text": "1"}, id="call_2"),
            ToolCallSpec("nope", "{bad json", id="call_3")]),
                      Reply("after")],
        "usage": [Reply("counted", usage={"input": 120, "output": 30, "cached": 100,
                                          "reasoning": 7})],
        "max_tokens": [Reply("cut sho", stop_reason="max_tokens")],
        "web_search": [Reply("Found it.", builtins=[BuiltinSpec(
            "web_search", query="agentplug", id="ws_1",
            sources=[("https://example.com/a", "A"), ("https://example.com/b", "B")])])],
        "code": [Reply("Ran it.", builtins=[BuiltinSpec(code, code="print(6*7)", stdout="42",
                                                        id="ci_1")])],
        "unicode": [Reply("日本語のテキスト 🎉 \\u escapes \"and\" \n newlines")],
    }


SCRIPT_CASES = [(wire, name) for wire in DONE for name in _scripts(wire)]


@pytest.mark.parametrize(("wire", "script"), SCRIPT_CASES,
                         ids=[f"{w}-{s}" for w, s in SCRIPT_CASES])
async def test_simulator_scripts(wire, script):
    fast, sdk = await both_paths(WIRES[wire], _scripts(wire)[script])
    same(fast, sdk)


FAULTS = {
    "cut_stream": (Reply("one two three four five", fault=Fault(drop_after=2)), {}),
    "malformed_chunk": (Reply("one two three", fault=Fault(malformed_after=1)), {}),
    "error_event": (Reply("one two three", fault=Fault(error_after=2, message="overloaded")),
                    {}),
    "error_first": (Reply("x", fault=Fault(error_after=0)), {}),
    "stall": (Reply("slow words here", chunk_delay=3), {"timeout": 0.5}),
    "silent_server": (Reply("late", fault=Fault(delay=3)), {"timeout": 0.5}),
    "http_500": (Fault.http(500), {}),
    "http_400": (Fault.http(400, message="bad request: no such model"), {}),
    "rate_limited": (Fault.http(429, retry_after=0.2), {"max_retries": 1}),
}
FAULT_CASES = [(wire, name) for wire in DONE for name in FAULTS]


@pytest.mark.parametrize(("wire", "fault"), FAULT_CASES, ids=[f"{w}-{f}" for w, f in FAULT_CASES])
async def test_faults(wire, fault):
    entry, backend = FAULTS[fault]
    # Each fault, then a normal turn on the same agent (a failed turn is rolled back).
    fast, sdk = await both_paths(WIRES[wire], [entry, Reply("recovered")], ("hi", "again"),
                                 **backend)
    same(fast, sdk)
    assert "recovered" in fast[-2]


@pytest.mark.parametrize("wire", DONE)
async def test_nothing_listening(wire):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    fast, sdk = await both_paths(WIRES[wire], [], url=url)
    same(fast, sdk)
    assert "ProviderConnectionError" in fast[0]
