"""Both stream paths side by side: the same script, served by one simulator, through an agent
on the fast path (``fast_stream: true``, the default) and one on the SDK path."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic  # noqa: F401  imported up front, as the suite's collection does: not
import google.genai  # noqa: F401  on the loop of the first test
import openai  # noqa: F401
import yaml

from agentplug import create_agent
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, RawResponse, Reply,
    ResponsesSimulator, Simulator,
)

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes"
TURN_SECONDS = 30.0


@dataclass(frozen=True)
class Wire:
    name: str
    simulator: Callable[..., Simulator]
    cassettes: str
    backend: Callable[[str], dict[str, Any]]

    def recorded(self) -> list[tuple[str, list[RawResponse]]]:
        """Every recorded cassette of this wire: its streamed bodies, in order."""
        out = []
        for path in sorted((CASSETTES / self.cassettes).glob("*.yaml")):
            bodies = []
            for interaction in yaml.safe_load(path.read_text("utf-8"))["interactions"]:
                response = interaction["response"]
                ctype = (response.get("headers") or {}).get("content-type", [""])[0]
                body = (response.get("body") or {}).get("string")
                if "event-stream" in ctype and body:
                    bodies.append(RawResponse(200, body.encode(), {"content-type": ctype}))
            if bodies:
                out.append((path.name, bodies))
        return out


def _common(url: str) -> dict[str, Any]:
    return {"base_url": url, "api_key": "sk-paths-not-a-real-key", "max_retries": 0,
            "timeout": 5}


WIRES = {w.name: w for w in [
    Wire("chat_completions", ChatCompletionsSimulator, "openai_chat",
         lambda u: {"type": "chatcompletion", "model": "sim-model", **_common(u)}),
    Wire("responses", ResponsesSimulator, "openai_responses",
         lambda u: {"type": "openai", "model": "gpt-5", **_common(u)}),
    Wire("anthropic", AnthropicSimulator, "anthropic",
         lambda u: {"type": "claude", "model": "claude-sonnet-4-5", **_common(u)}),
    Wire("gemini", GeminiSimulator, "gemini",
         lambda u: {"type": "gemini", "model": "gemini-2.5-flash", **_common(u)}),
]}


def echo(text: str = "") -> str:
    """A tool for scripted tool calls."""
    return f"echo: {text}"


def canonical(value: Any) -> Any:
    """Every field of an event, recursively, with dicts compared as dicts: the SDK's models
    give their fields in declaration order, the wire in its own (JSON objects are unordered)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__,
                **{f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


# The simulators make fresh random ids per response (uuid hex), and the gemini backend numbers
# id-less function calls across the process: the same on both paths only up to those.
_RANDOM_IDS = re.compile(r"[0-9a-f]{16,}|(?<=gemini_local_)\d+")


def without_ids(text: str) -> str:
    return _RANDOM_IDS.sub("<id>", text)


def event_text(event: Any) -> str:
    return json.dumps(canonical(event), sort_keys=True, ensure_ascii=False, default=repr)


async def turn_events(config: dict[str, Any], prompts: Sequence[str]) -> list[str]:
    """Every event of each prompt's turn, as canonical JSON."""
    out: list[str] = []
    async with create_agent(config, tools=[echo]) as agent:
        for prompt in prompts:
            async with asyncio.timeout(TURN_SECONDS):
                out.extend([event_text(e) async for e in agent.stream(prompt)])
            out.append("-- end of turn --")
    return out


async def both_paths(wire: Wire, script: Sequence[Any], prompts: Sequence[str] = ("hi",),
                     url: str | None = None, **backend: Any) -> tuple[list[str], list[str]]:
    """(fast path events, SDK path events) for the same script, served by one simulator (so
    the URLs in error messages agree); what a path left of the script is dropped."""
    results = []
    with wire.simulator(default=Reply("recovered")) as sim:
        for fast in (True, False):
            sim.script(*script)
            config = {**wire.backend(url or sim.base_url), **backend, "fast_stream": fast}
            results.append(await turn_events(config, prompts))
            while sim.pending:
                sim.next_reply(None)  # type: ignore[arg-type]
    return results[0], results[1]


def _warm_up() -> None:
    """Build one agent per wire now, off any test's loop: the first build loads the plugins
    and the backends' modules (seconds on a loaded machine)."""
    for wire in WIRES.values():
        create_agent(wire.backend("http://127.0.0.1:9"))


_warm_up()
