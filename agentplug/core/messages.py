"""Typed conversation messages shared by every backend.

A message is a role plus a list of parts. Opaque provider data (thinking signatures,
Responses item ids, Gemini thought signatures) travels in ``provider_data`` tagged with the
backend type that produced it, so a backend only sends it back to itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]


@dataclass(slots=True)
class TextPart:
    text: str
    kind: Literal["text"] = "text"


@dataclass(slots=True)
class ImagePart:
    """An image as base64 data, e.g. from an MCP tool result."""

    data: str
    mime_type: str
    kind: Literal["image"] = "image"


@dataclass(slots=True)
class ReasoningPart:
    text: str
    signature: str | None = None
    provider: str | None = None
    kind: Literal["reasoning"] = "reasoning"


@dataclass(slots=True)
class ToolCallPart:
    id: str
    name: str
    arguments: JSON
    provider: str | None = None
    provider_data: JSON | None = None
    kind: Literal["tool_call"] = "tool_call"

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, separators=(",", ":"))


@dataclass(slots=True)
class BuiltinToolPart:
    """A tool the provider ran itself (web search, code execution), kept for replay."""

    tool: str
    call_id: str
    provider: str
    data: JSON = field(default_factory=dict)
    kind: Literal["builtin_tool"] = "builtin_tool"


@dataclass(slots=True)
class FilePart:
    """An attachment (``upload_files``): an image or a document, as base64 ``data`` or a
    ``url``; each format sends it as its provider's own input part."""

    mime_type: str
    filename: str
    data: str | None = None
    url: str | None = None
    kind: Literal["file"] = "file"

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def data_url(self) -> str:
        return self.url or f"data:{self.mime_type};base64,{self.data}"


Part = TextPart | ImagePart | FilePart | ReasoningPart | ToolCallPart | BuiltinToolPart


@dataclass(slots=True)
class SystemMessage:
    text: str
    role: Literal["system"] = "system"


@dataclass(slots=True)
class UserMessage:
    parts: list[Part]
    role: Literal["user"] = "user"

    @classmethod
    def of(cls, text: str) -> UserMessage:
        return cls([TextPart(text)])

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))


@dataclass(slots=True)
class AssistantMessage:
    parts: list[Part] = field(default_factory=list)
    provider: str | None = None
    provider_data: JSON | None = None
    role: Literal["assistant"] = "assistant"

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def reasoning(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, ReasoningPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [p for p in self.parts if isinstance(p, ToolCallPart)]


@dataclass(slots=True)
class ToolResultMessage:
    """The result of one tool call, fed back to the model."""

    call_id: str
    name: str
    parts: list[Part]
    is_error: bool = False
    structured: Any = None
    role: Literal["tool"] = "tool"

    @property
    def text(self) -> str:
        out = []
        for p in self.parts:
            if isinstance(p, TextPart):
                out.append(p.text)
            elif isinstance(p, ImagePart):
                out.append(f"[image {p.mime_type}, {len(p.data) * 3 // 4} bytes]")
        return "\n".join(out)


Message = SystemMessage | UserMessage | AssistantMessage | ToolResultMessage


def native_data(message: AssistantMessage, backend: str) -> JSON | None:
    """The provider data of ``message`` if, and only if, ``backend`` produced it."""
    return message.provider_data if message.provider == backend else None
