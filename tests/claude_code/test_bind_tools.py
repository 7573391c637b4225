"""The core seam: an Agent hands its tool runner to a stateful backend (no CLI involved)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from agentplug.core.agent import Agent
from agentplug.core.backend import BaseBackend
from agentplug.core.events import Done, Event, ToolResult
from agentplug.core.messages import AssistantMessage, Message, TextPart
from agentplug.core.registry import BackendSpec
from agentplug.core.params import BackendParams
from agentplug.core.tools import ToolDef, ToolRunner

SPEC = BackendSpec(type="runs_tools", title="t", factory="x:y")


class RunsOwnTools(BaseBackend):
    """A stateful backend whose own loop calls the agent's tools through the bound runner."""

    stateful = True

    def __init__(self) -> None:
        super().__init__(BackendParams(type="runs_tools"), SPEC)
        self.runner: ToolRunner | None = None
        self.seen: list[str] = []

    def bind_tools(self, runner: ToolRunner) -> None:
        self.runner = runner

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        assert self.runner is not None
        self.seen = [t.name for t in tools]
        good = await self.runner("add", {"a": 2, "b": 3})
        bad = await self.runner("add", {"a": "x"})
        broken = await self.runner("explode", {})
        missing = await self.runner("nope", {})
        for name, out in (("add", good), ("add", bad), ("explode", broken), ("nope", missing)):
            yield ToolResult(name, name, out.as_text, out.is_error)
        yield Done(AssistantMessage([TextPart(good.as_text)]), "end_turn")


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def explode() -> str:
    """Always fails."""
    raise RuntimeError("boom")


async def test_agent_binds_its_tool_runner_to_a_stateful_backend():
    backend = RunsOwnTools()
    async with Agent(backend, tools=[add, explode]) as agent:
        events = [e async for e in agent.stream("go")]
    assert backend.seen == ["add", "explode"]
    results = {(e.name, e.is_error): e.output for e in events if isinstance(e, ToolResult)}
    assert results[("add", False)] == "5"
    assert "invalid arguments" in results[("add", True)]
    assert results[("explode", True)] == "RuntimeError: boom"
    assert "unknown tool 'nope'" in results[("nope", True)]
    assert events[-1].text == "5"


async def test_stateless_backends_are_not_bound():
    class Stateless(RunsOwnTools):
        stateful = False

    backend = Stateless()
    async with Agent(backend, tools=[add]):
        pass
    assert backend.runner is None
