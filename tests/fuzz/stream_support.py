"""Wire formats for the stream and tool-argument fuzzers: a simulator, the backend config that
talks to it through the real SDK, and the recorded streams of that format."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic  # noqa: F401  imported up front, as the suite's collection does: not
import google.genai  # noqa: F401  on the loop of the first example
import openai  # noqa: F401
import yaml

from agentplug import Done, ErrorEvent, create_agent
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, RawResponse, Reply,
    ResponsesSimulator, Simulator,
)
from fuzz_support import CASSETTES

TURN_SECONDS = 20.0  # a turn that takes longer is a hang: the SDK timeout below is 5 s
RECOVERED = Reply("recovered")


@dataclass(frozen=True)
class WireFormat:
    name: str
    simulator: Callable[..., Simulator]
    cassettes: str
    backend: Callable[[Simulator], dict[str, Any]]

    def recorded(self) -> list[tuple[str, bytes, str]]:
        """(cassette, raw SSE body, content type) of every recorded stream."""
        return _recorded(self.cassettes)


@functools.cache
def _recorded(folder: str) -> list[tuple[str, bytes, str]]:
    out = []
    for path in sorted((CASSETTES / folder).glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text("utf-8"))["interactions"]:
            response = interaction["response"]
            ctype = (response.get("headers") or {}).get("content-type", [""])[0]
            body = (response.get("body") or {}).get("string")
            if "event-stream" in ctype and body:
                out.append((path.name, body.encode(), ctype))
    return out


def _common(sim: Simulator) -> dict[str, Any]:
    return {"base_url": sim.base_url, "api_key": "sk-fuzz-not-a-real-key", "max_retries": 0,
            "timeout": 5}


FORMATS = [
    WireFormat("chat_completions", ChatCompletionsSimulator, "openai_chat",
               lambda s: {"type": "chatcompletion", "model": "sim-model", **_common(s)}),
    WireFormat("responses", ResponsesSimulator, "openai_responses",
               lambda s: {"type": "openai", "model": "gpt-5", **_common(s)}),
    WireFormat("anthropic", AnthropicSimulator, "anthropic",
               lambda s: {"type": "claude", "model": "claude-sonnet-4-5", **_common(s)}),
    WireFormat("gemini", GeminiSimulator, "gemini",
               lambda s: {"type": "gemini", "model": "gemini-2.5-flash", **_common(s)}),
]


class Harness:
    """One simulator and one event loop for a whole hypothesis test (clients are cached per
    loop, as in a real program); a fresh agent per example."""

    def __init__(self, fmt: WireFormat) -> None:
        self.fmt = fmt
        self.sim = fmt.simulator(default=RECOVERED).start()
        self.loop = asyncio.new_event_loop()
        self.loop.set_debug(True)
        # A whole recorded stream arrives in one read and the SDK parses it in one step
        # (~0.3 s for the longest cassette on a loaded 2-core machine): a blocking call is
        # still caught, by tests/conftest.py's guard, above this.
        self.loop.slow_callback_duration = 1.0
        self.agent()  # imports the backend's modules now, not on the first example's loop

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
        self.sim.stop()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, TURN_SECONDS * 3))

    def agent(self, tools: Any = (), **backend: Any) -> Any:
        return create_agent({**self.fmt.backend(self.sim), **backend}, tools=tools)

    def script(self, *entries: Any) -> None:
        self.sim.requests.clear()
        self.sim.script(*entries)


async def one_turn(agent: Any, prompt: str) -> list[Any]:
    """A turn's events; it must end in exactly one Done or ErrorEvent, the last event."""
    events = await asyncio.wait_for(_collect(agent, prompt), TURN_SECONDS)
    terminal = [e for e in events if isinstance(e, Done | ErrorEvent)]
    assert len(terminal) == 1 and terminal[0] is events[-1], [type(e).__name__ for e in events]
    return events


async def _collect(agent: Any, prompt: str) -> list[Any]:
    return [e async for e in agent.stream(prompt)]


def raw(body: bytes, ctype: str) -> RawResponse:
    return RawResponse(200, body, {"content-type": ctype})
