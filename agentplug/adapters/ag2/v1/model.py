"""Any agentplug backend as the model of an ``ag2.Agent`` (ag2 1.x), through ag2's own
model-client interface (``ag2.config.ModelConfig`` / ``LLMClient``).

    from ag2 import Agent
    from agentplug.adapters.ag2.v1 import AgentplugModel

    model = AgentplugModel({"type": "claude", "model": "claude-sonnet-4-6"})
    async with model:
        agent = Agent("helper", "You are terse.", config=model, tools=[...])
        reply = await agent.ask("...")

ag2 runs the agent loop (its tools, middleware, history); each model call is one
``backend.stream(messages, tools)`` of the agentplug backend: text streams to ag2 as
``ModelMessageChunk``, tool calls come back as ``ToolCallEvent`` for ag2 to run, usage is
priced by agentplug. ``on_event`` also receives the agentplug events of every call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ....core import pricing
from ....core.errors import BackendError
from ....core.events import (
    Done, ErrorEvent, Event, ReasoningDelta, TextDelta, ToolCallRequested, UsageEvent,
)
from ....core.protocol import Backend
from ....core.usage import Usage
from .convert import ag2_usage, to_messages, tool_defs

EventSink = Callable[[Event], None]


def _discard(event: Event) -> None:
    return None


class AgentplugModel:
    """An ``ag2.config.ModelConfig`` whose calls go to an agentplug backend.

    ``backend``: a backend config dict (``{"type": ..., "model": ...}``, validated like any
    config) or a ``Backend`` already built. Open it once (``async with`` or ``open()``); a
    call on a closed model opens it. ``usage`` sums every call.
    """

    def __init__(self, backend: dict[str, Any] | Backend, *,
                 on_event: EventSink = _discard) -> None:
        self.backend = _backend(backend) if isinstance(backend, dict) else backend
        spec = getattr(self.backend, "spec", None)
        self.backend_name = str(getattr(spec, "type", None) or type(self.backend).__name__)
        params = getattr(self.backend, "params", None)
        self.model_name = getattr(params, "model", None) or getattr(spec, "default_model", None)
        if getattr(self.backend, "stateful", False):
            raise BackendError(f"the {self.backend_name!r} backend runs its own agent loop; "
                               "an ag2 agent needs a model backend (openai, claude, gemini, "
                               "chatcompletion, ...)")
        self.on_event = on_event
        self.usage = Usage()
        self._opened = False
        self._lock = asyncio.Lock()

    # ag2's ModelConfig protocol ------------------------------------------------------------
    @property
    def provider(self) -> Any:
        from ag2.config import ModelProvider

        # ag2 names providers by a closed enum; the real one is ``backend.name``.
        return ModelProvider.OPENAI

    @property
    def model(self) -> str:
        return str(self.model_name or self.backend_name)

    def copy(self) -> AgentplugModel:
        return self  # one backend (its client, its connections) for every ag2 turn

    def create(self) -> AgentplugClient:
        return AgentplugClient(self)

    def create_files_client(self) -> Any:
        raise NotImplementedError("an agentplug backend offers no ag2 Files API")

    # lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        async with self._lock:
            if not self._opened:
                await self.backend.open()
                self._opened = True

    async def close(self) -> None:
        async with self._lock:
            if self._opened:
                self._opened = False
                await self.backend.close()

    async def __aenter__(self) -> AgentplugModel:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class AgentplugClient:
    """The ``ag2.config.LLMClient`` of an ``AgentplugModel``: one model call per ``__call__``."""

    def __init__(self, model: AgentplugModel) -> None:
        self.model = model

    async def __call__(self, messages: Sequence[Any], context: Any, *, tools: Iterable[Any],
                       response_schema: Any, serializer: Any) -> Any:
        from ag2.events import (
            ModelMessage, ModelMessageChunk, ModelReasoning, ModelResponse, ToolCallEvent,
            ToolCallsEvent,
        )

        model = self.model
        await model.open()
        prompt = list(context.prompt)
        if response_schema is not None and getattr(response_schema, "system_prompt", None):
            prompt.append(response_schema.system_prompt)
        history = to_messages(prompt, messages)
        calls: list[Any] = []
        usage = Usage()
        done: Done | None = None
        async for event in model.backend.stream(history, tool_defs(tools)):
            if isinstance(event, UsageEvent):
                event = UsageEvent(pricing.price(event.usage, pricing.price_ref(model.backend)))
                usage = usage + event.usage
            model.on_event(event)
            if isinstance(event, TextDelta):
                await context.send(ModelMessageChunk(event.text))
            elif isinstance(event, ReasoningDelta):
                await context.send(ModelReasoning(event.text))
            elif isinstance(event, ToolCallRequested):
                calls.append(ToolCallEvent(id=event.call.id, name=event.call.name,
                                           arguments=json.dumps(event.call.arguments)))
            elif isinstance(event, ErrorEvent):
                raise BackendError(event.message)
            elif isinstance(event, Done):
                done = event
        if done is None:
            raise BackendError(f"the {model.backend_name!r} backend ended a call without Done")
        model.usage = model.usage + usage
        message = ModelMessage(done.text) if done.text else None
        if message is not None:
            await context.send(message)
        return ModelResponse(message=message, tool_calls=ToolCallsEvent(calls),
                             usage=ag2_usage(usage), model=model.model_name,
                             provider=model.backend_name, finish_reason=done.stop_reason)


def _backend(config: dict[str, Any]) -> Backend:
    from ....core.config import params_from_dict
    from ....core.host import default_host

    spec = default_host().backend(str(config.get("type")))
    return spec.create(params_from_dict(spec, config))
