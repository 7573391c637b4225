"""ag2 1.x events seen as agentplug messages and events, and back.

ag2 1.x keeps a conversation as a list of events (``ModelRequest``, ``ModelResponse``,
``ToolResultsEvent``, ...); agentplug as ``Message`` objects. Only the neutral parts cross
(text, tool calls and results): provider data stays with the side that produced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ....core.events import (
    Event, ReasoningDelta, TextDelta, ToolCallRequested, ToolResult, UsageEvent,
)
from ....core.messages import (
    AssistantMessage, Message, Part, SystemMessage, TextPart, ToolCallPart, ToolResultMessage,
    UserMessage,
)
from ....core.tools import ToolDef, parse_arguments
from ....core.usage import Usage


def to_messages(prompt: Iterable[str], events: Sequence[Any]) -> list[Message]:
    """The agentplug history for one model call of an ag2 agent."""
    from ag2.events import ModelRequest, ModelResponse, ToolErrorEvent, ToolResultsEvent

    system = "\n".join(p for p in prompt if p)
    out: list[Message] = [SystemMessage(system)] if system else []
    for event in events:
        if isinstance(event, ModelRequest):
            out.append(UserMessage([TextPart(_input_text(p)) for p in event.parts]))
        elif isinstance(event, ModelResponse):
            parts: list[Part] = []
            if event.message is not None and event.message.content:
                parts.append(TextPart(event.message.content))
            parts += [ToolCallPart(c.id, c.name, parse_arguments(c.arguments))
                      for c in event.tool_calls.calls]
            out.append(AssistantMessage(parts, provider="ag2"))
        elif isinstance(event, ToolResultsEvent):
            for r in event.results:
                if isinstance(r, ToolErrorEvent):
                    out.append(ToolResultMessage(r.parent_id, r.name or "", [
                        TextPart(f"{type(r.error).__name__}: {r.error}")], is_error=True))
                else:
                    out.append(ToolResultMessage(r.parent_id, r.name or "", [
                        TextPart(_input_text(p)) for p in r.result.parts]))
    return out


def _input_text(part: Any) -> str:
    from ag2.events import DataInput, TextInput

    if isinstance(part, TextInput):
        return part.content
    if isinstance(part, DataInput):
        return json.dumps(part.data, default=str)
    return f"[{type(part).__name__}]"  # images, audio, files: not carried across


def tool_defs(schemas: Iterable[Any]) -> list[ToolDef]:
    """ag2's function-tool schemas as agentplug tool definitions (other kinds are the
    provider's own built-ins, which an agentplug backend cannot be handed)."""
    defs = []
    for schema in schemas:
        function = getattr(schema, "function", None)
        if function is not None:
            defs.append(ToolDef(function.name, function.description or "",
                                function.parameters or {"type": "object", "properties": {}},
                                source="ag2"))
    return defs


def usage_of(ag2_usage: Any) -> Usage:
    def whole(value: float | None) -> int:
        return int(value or 0)
    return Usage(input_tokens=whole(ag2_usage.prompt_tokens),
                 output_tokens=whole(ag2_usage.completion_tokens),
                 cached_tokens=whole(ag2_usage.cache_read_input_tokens),
                 cache_write_tokens=whole(ag2_usage.cache_creation_input_tokens),
                 reasoning_tokens=whole(ag2_usage.thinking_tokens), requests=1)


def ag2_usage(usage: Usage) -> Any:
    from ag2.events import Usage as AG2Usage

    return AG2Usage(prompt_tokens=usage.input_tokens, completion_tokens=usage.output_tokens,
                    total_tokens=usage.input_tokens + usage.output_tokens,
                    cache_read_input_tokens=usage.cached_tokens or None,
                    cache_creation_input_tokens=usage.cache_write_tokens or None,
                    thinking_tokens=usage.reasoning_tokens or None)


def to_event(event: Any) -> Event | None:
    """One ag2 stream event as the agentplug event a user would see (None: nothing to show).

    Whole ``ModelMessage`` texts are not shown: they repeat the chunks streamed before them
    (a model that does not stream is handled by the caller, which sees no chunk)."""
    from ag2.events import (
        ModelMessageChunk, ModelReasoning, ModelResponse, ToolCallEvent, ToolErrorEvent,
        ToolResultEvent,
    )

    if isinstance(event, ModelMessageChunk):
        return TextDelta(event.content)
    if isinstance(event, ModelReasoning):
        return ReasoningDelta(event.content)
    if isinstance(event, ToolErrorEvent):
        return ToolResult(event.parent_id, event.name or "", f"{event.error}", is_error=True)
    if isinstance(event, ToolResultEvent):
        text = "".join(_input_text(p) for p in event.result.parts)
        return ToolResult(event.parent_id, event.name or "", text)
    if isinstance(event, ToolCallEvent):
        return ToolCallRequested(ToolCallPart(event.id, event.name,
                                              parse_arguments(event.arguments)))
    if isinstance(event, ModelResponse) and event.usage:
        return UsageEvent(usage_of(event.usage))
    return None
