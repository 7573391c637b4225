"""The backend protocol: one model call, streamed as events.

Stateless backends receive the whole history on every call. Stateful backends (a Claude Code
session, an AG2 conversation) keep their own history and run their own tools: they receive
only the messages added since their last call, and their ``Done`` never asks the agent to
run tools.

Optional abilities are Protocols of their own, checked with ``isinstance``: a stateful backend
that can offer the agent's tools to its model is a ``ToolBinder``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from .events import Event
from .messages import Message
from .tools import ToolDef, ToolRunner


@runtime_checkable
class Backend(Protocol):
    stateful: bool

    async def open(self) -> None:
        """Acquire resources (clients, servers, sessions); called once per agent."""

    async def close(self) -> None:
        """Release everything ``open`` acquired; must be safe to call twice."""

    def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]) -> AsyncIterator[Event]:
        """One model call: yield deltas and activity, then exactly one ``Done``."""
        ...

    async def reset(self) -> None:
        """Forget conversation state held outside the agent's history (stateful backends)."""


@runtime_checkable
class ToolBinder(Protocol):
    """A stateful backend that runs the agent's own tools inside its session.

    The Agent calls ``bind_tools`` once on open with a callable that runs any of its tools by
    name (``Agent.call_tool``); ``stream`` still receives their ``ToolDef``s."""

    def bind_tools(self, runner: ToolRunner) -> None: ...
