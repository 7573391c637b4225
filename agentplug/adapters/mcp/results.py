"""An MCP ``CallToolResult`` → agentplug ``ToolOutput``.

Text stays text; images become ``ImagePart``s, which each format passes on where the provider
takes images in tool results (Anthropic, Responses, Gemini) and describes otherwise (Chat
Completions). Audio and binary resources are described, never dumped as base64 into the
model's context. ``is_error`` becomes an error result the model sees; ``structured_content``
is kept in ``ToolOutput.structured`` (and given as JSON text when the server sent no content).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from ...core.messages import ImagePart, Part, TextPart
from ...core.tools import ToolOutput

# A text resource longer than this is cut, with a note saying how much was left out.
MAX_RESOURCE_TEXT = 100_000


def tool_output(result: Any) -> ToolOutput:
    parts: list[Part] = []
    for block in getattr(result, "content", None) or []:
        parts.extend(_block(block))
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(TextPart(json.dumps(structured, ensure_ascii=False, default=str)))
    return ToolOutput(parts, is_error=bool(getattr(result, "is_error", False)),
                      structured=structured)


def _block(block: Any) -> list[Part]:
    kind = getattr(block, "type", None)
    if kind == "text":
        return [TextPart(block.text)]
    if kind == "image":
        return [ImagePart(block.data, block.mime_type)]
    if kind == "audio":
        return [TextPart(f"[audio {block.mime_type}, {_size(block.data)}: not passed to the "
                         "model]")]
    if kind == "resource":
        return _resource(block.resource)
    if kind == "resource_link":
        about = " ".join(filter(None, [getattr(block, "mime_type", None),
                                       getattr(block, "description", None)]))
        return [TextPart(f"[resource link {block.name}: {block.uri}"
                         + (f" ({about})" if about else "") + "]")]
    return [TextPart(f"[unsupported MCP content of type {kind!r}]")]


def _resource(res: Any) -> list[Part]:
    mime = getattr(res, "mime_type", None) or ""
    text = getattr(res, "text", None)
    if text is not None:
        if len(text) > MAX_RESOURCE_TEXT:
            cut = len(text) - MAX_RESOURCE_TEXT
            text = text[:MAX_RESOURCE_TEXT] + f"\n[... {cut} more characters]"
        head = f"[resource {res.uri}" + (f" ({mime})" if mime else "") + "]"
        return [TextPart(f"{head}\n{text}")]
    blob = getattr(res, "blob", "") or ""
    if _is_text(mime):  # text sent as a blob (some servers do): give the model the text
        try:
            return _resource(_TextResource(res.uri, mime, base64.b64decode(blob).decode()))
        except (ValueError, UnicodeDecodeError):
            pass
    if mime.startswith("image/"):
        return [TextPart(f"[resource {res.uri}]"), ImagePart(blob, mime)]
    return [TextPart(f"[resource {res.uri} ({mime or 'binary'}, {_size(blob)}): binary "
                     "content not passed to the model]")]


def _is_text(mime: str) -> bool:
    return mime.startswith("text/") or mime in ("application/json", "application/xml")


@dataclass(slots=True)
class _TextResource:
    uri: str
    mime_type: str
    text: str


def _size(b64: str) -> str:
    n = len(b64) * 3 // 4 - b64[-2:].count("=")
    return f"{n} bytes"
