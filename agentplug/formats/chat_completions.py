"""Messages and tools in the OpenAI Chat Completions format."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.messages import (
    AssistantMessage, FilePart, ImagePart, Message, SystemMessage, TextPart, ToolResultMessage,
    UserMessage,
)
from ..core.tools import ToolDef


def tool(td: ToolDef) -> dict[str, Any]:
    return {"type": "function",
            "function": {"name": td.name, "description": td.description,
                         "parameters": td.parameters}}


def tools(defs: Sequence[ToolDef]) -> list[dict[str, Any]]:
    return [tool(td) for td in defs]


def _content(parts: Sequence[Any]) -> str | list[dict[str, Any]]:
    if all(isinstance(p, TextPart) for p in parts):
        return "".join(p.text for p in parts)
    out: list[dict[str, Any]] = []
    for p in parts:
        if isinstance(p, TextPart):
            out.append({"type": "text", "text": p.text})
        elif isinstance(p, ImagePart):
            out.append({"type": "image_url",
                        "image_url": {"url": f"data:{p.mime_type};base64,{p.data}"}})
        elif isinstance(p, FilePart) and p.is_image:
            out.append({"type": "image_url", "image_url": {"url": p.data_url}})
        elif isinstance(p, FilePart):  # a document by content (the config check refuses URLs)
            out.append({"type": "file", "file": {"filename": p.filename,
                                                 "file_data": p.data_url}})
    return out


def messages(history: Sequence[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in history:
        if isinstance(m, SystemMessage):
            out.append({"role": "system", "content": m.text})
        elif isinstance(m, UserMessage):
            out.append({"role": "user", "content": _content(m.parts)})
        elif isinstance(m, AssistantMessage):
            msg: dict[str, Any] = {"role": "assistant", "content": m.text or None}
            if calls := m.tool_calls:
                msg["tool_calls"] = [
                    {"id": c.id, "type": "function",
                     "function": {"name": c.name, "arguments": c.arguments_json}}
                    for c in calls]
            out.append(msg)
        elif isinstance(m, ToolResultMessage):
            # Tool messages carry text only in Chat Completions; images are described.
            text = m.text
            out.append({"role": "tool", "tool_call_id": m.call_id,
                        "content": f"ERROR: {text}" if m.is_error else text})
    return out
