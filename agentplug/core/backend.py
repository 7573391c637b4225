"""The backend interface: one model call, streamed as events.

Stateless backends receive the whole history on every call. Stateful backends (a Claude Code
session, an AG2 conversation) keep their own history and run their own tools: they receive
only the messages added since their last call, and their ``Done`` never asks the agent to
run tools. A stateful backend that can offer the agent's own tools to its model defines
``bind_tools(runner: tools.ToolRunner)``: the Agent calls it once on open with a callable that runs
any of its tools by name (``Agent.call_tool``); ``stream`` still receives their ``ToolDef``s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .events import Event
from .messages import Message
from .tools import ToolDef

if TYPE_CHECKING:
    from .params import BackendParams
    from .registry import BackendSpec


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


class BaseBackend:
    """Convenience base: stores params and spec; open/close/reset do nothing."""

    stateful = False

    def __init__(self, params: BackendParams, spec: BackendSpec) -> None:
        self.params = params
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.type

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def reset(self) -> None:
        return None

    def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]) -> AsyncIterator[Event]:
        raise NotImplementedError
