"""``BaseBackend``: the convenience base most backends start from (the protocol itself is
``agentplug.core.protocol.Backend``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from .events import Event
from .messages import Message
from .tools import ToolDef

if TYPE_CHECKING:
    from .params import BackendParams
    from .registry import BackendSpec


class BaseBackend:
    """Stores params and spec; open/close/reset do nothing."""

    stateful = False

    def __init__(self, params: BackendParams, spec: BackendSpec) -> None:
        self.params = params
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.type

    @property
    def model_name(self) -> str | None:
        """The one rule for a backend's model: the config's ``model:``, else the declaration's
        ``default_model``."""
        return self.params.model or self.spec.default_model

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def reset(self) -> None:
        return None

    def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]) -> AsyncIterator[Event]:
        raise NotImplementedError
