"""The one event family every backend streams.

Backends yield ``TextDelta``, ``ReasoningDelta``, ``ToolCallDelta``, ``ToolCallRequested``,
``BuiltinToolEvent`` and ``UsageEvent`` while a model call runs, then one ``Done`` for that
call. The ``Agent`` runs tool calls (emitting ``ToolResult``), loops, and ends a turn with its
own ``Done`` (carrying the whole turn's usage) or an ``ErrorEvent``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from .messages import AssistantMessage, Part, ToolCallPart
from .redact import redact
from .usage import Usage

StopReason = Literal[
    "end_turn", "tool_calls", "max_tokens", "stop_sequence", "content_filter",
    "max_tool_rounds", "cancelled", "error", "refusal", "pause_turn",
]
BuiltinTool = Literal["web_search", "code_execution", "code_interpreter", "native_tool",
                      "image_generation"]


@dataclass(slots=True)
class TextDelta:
    text: str
    type: Literal["text_delta"] = "text_delta"


@dataclass(slots=True)
class ReasoningDelta:
    text: str
    type: Literal["reasoning_delta"] = "reasoning_delta"


@dataclass(slots=True)
class ToolCallDelta:
    """A piece of a function call's arguments (JSON text) as it streams, on the wires that
    stream them (Chat Completions, Responses, Anthropic; Gemini sends arguments whole). The
    pieces of one ``call_id`` joined are the arguments' JSON; the call itself still comes
    whole as ``ToolCallRequested``."""

    call_id: str
    name: str
    arguments: str
    type: Literal["tool_call_delta"] = "tool_call_delta"


@dataclass(slots=True)
class ToolCallRequested:
    call: ToolCallPart
    type: Literal["tool_call"] = "tool_call"


@dataclass(slots=True)
class ToolResult:
    call_id: str
    name: str
    output: str
    is_error: bool = False
    parts: list[Part] = field(default_factory=list)
    type: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class Source:
    url: str
    title: str | None = None
    snippet: str | None = None


@dataclass(slots=True)
class BuiltinToolEvent:
    """A tool the provider ran itself: a web search, a code execution, a native CLI tool."""

    tool: BuiltinTool
    status: Literal["started", "in_progress", "completed", "failed"]
    call_id: str | None = None
    name: str | None = None
    query: str | None = None
    code: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    return_code: int | None = None
    sources: list[Source] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    type: Literal["builtin_tool"] = "builtin_tool"


@dataclass(slots=True)
class PlannedToolCall:
    """Planning mode: the model asked for this call; it was shown, not run."""

    call: ToolCallPart
    type: Literal["planned_tool_call"] = "planned_tool_call"


@dataclass(slots=True)
class UsageEvent:
    usage: Usage
    type: Literal["usage"] = "usage"


@dataclass(slots=True)
class Notice:
    """Something the user should know that does not stop the turn."""

    message: str
    level: Literal["info", "warning"] = "info"
    type: Literal["notice"] = "notice"


@dataclass(slots=True)
class SpeakerEvent:
    """In a multi-agent run, the agent whose events follow."""

    agent: str
    type: Literal["speaker"] = "speaker"


@dataclass(slots=True)
class StructuredOutput:
    """A typed answer (``output_type``): partial ones carry the JSON parsed so far as it
    streams; the last one (``partial=False``) the validated instance."""

    value: Any
    partial: bool = True
    type: Literal["structured_output"] = "structured_output"


@dataclass(slots=True)
class Done:
    message: AssistantMessage
    stop_reason: StopReason
    usage: Usage = field(default_factory=Usage)
    type: Literal["done"] = "done"

    @property
    def text(self) -> str:
        return self.message.text


@dataclass(slots=True)
class ErrorEvent:
    message: str
    error_type: str
    retryable: bool = False
    status: int | None = None
    type: Literal["error"] = "error"

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorEvent:
        return cls(  # an SDK's own exception text may quote the key: redacted
            message=redact(str(exc)) or type(exc).__name__,
            error_type=type(exc).__name__,
            retryable=bool(getattr(exc, "retryable", False)),
            status=getattr(exc, "status", None),
        )


Event = (
    TextDelta | ReasoningDelta | ToolCallDelta | ToolCallRequested | ToolResult | BuiltinToolEvent
    | PlannedToolCall | UsageEvent | Notice | SpeakerEvent | StructuredOutput | Done | ErrorEvent
)


def event_to_dict(event: Event) -> dict[str, Any]:
    return dataclasses.asdict(event)


def event_to_json(event: Event) -> str:
    return json.dumps(event_to_dict(event), ensure_ascii=False, default=str)
