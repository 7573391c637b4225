"""Messages and tools in the Anthropic Messages format (plain dicts, no SDK).

An assistant turn produced by the claude backend keeps the API's content blocks in
``provider_data["content"]``; they are replayed as they came, because the API checks thinking
blocks against their signatures and wants server tool blocks (web search, code execution)
back unchanged. Turns from any other backend are rebuilt from their neutral parts: text and
tool calls, never another provider's reasoning (it carries no valid signature).

Tool results for one assistant turn must all arrive in the next user message, first in its
content: consecutive tool results and user messages are merged into one user message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..core.events import BuiltinTool, BuiltinToolEvent, Source
from ..core.messages import (
    AssistantMessage, BuiltinToolPart, FilePart, ImagePart, Message, Part, ReasoningPart,
    SystemMessage, TextPart, ToolCallPart, ToolResultMessage, UserMessage, native_data,
)
from ..core.tools import ToolDef

Block = dict[str, Any]
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def tool_id(call_id: str) -> str:
    """A tool call id as the API accepts it (``^[a-zA-Z0-9_-]+$``; other providers differ)."""
    return _ID_UNSAFE.sub("_", call_id) or "call"


def tools(defs: Sequence[ToolDef], *, web_search: dict[str, Any] | None = None,
          code_execution: str | None = None) -> list[Block]:
    """Function tools, then the server tools: ``web_search`` is the full tool entry,
    ``code_execution`` the tool version string."""
    out: list[Block] = []
    for td in defs:
        schema = dict(td.parameters) if td.parameters else {}
        schema.setdefault("type", "object")
        out.append({"name": td.name, "description": td.description, "input_schema": schema})
    if web_search:
        out.append(web_search)
    if code_execution:
        out.append({"type": code_execution, "name": "code_execution"})
    return out


def system(history: Sequence[Message]) -> str | None:
    texts = [m.text for m in history if isinstance(m, SystemMessage) and m.text]
    return "\n\n".join(texts) if texts else None


def messages(history: Sequence[Message], backend: str) -> list[Block]:
    """The conversation as Messages API ``messages`` (system messages go to ``system``)."""
    out: list[Block] = []
    for m in history:
        if isinstance(m, UserMessage):
            _append(out, "user", content(m.parts))
        elif isinstance(m, ToolResultMessage):
            _append(out, "user", [tool_result(m)])
        elif isinstance(m, AssistantMessage):
            native = native_data(m, backend)
            if native and isinstance(native.get("content"), list):
                blocks = [clean(b) for b in native["content"]]
            else:
                blocks = assistant_blocks(m.parts, backend)
            _append(out, "assistant", blocks)
    return out


def _append(out: list[Block], role: str, blocks: list[Block]) -> None:
    if not blocks:
        return
    if out and out[-1]["role"] == role:
        previous = out[-1]["content"]
        if role == "user":
            # tool_result blocks must lead the user message that answers a tool_use turn
            merged = previous + blocks
            merged.sort(key=lambda b: b.get("type") != "tool_result")
            out[-1]["content"] = merged
        else:
            previous.extend(blocks)
        return
    out.append({"role": role, "content": blocks})


def content(parts: Sequence[Part]) -> list[Block]:
    out: list[Block] = []
    for p in parts:
        if isinstance(p, TextPart) and p.text:
            out.append({"type": "text", "text": p.text})
        elif isinstance(p, ImagePart):
            out.append(image(p))
        elif isinstance(p, FilePart):
            out.append(attachment(p))
    return out


def attachment(p: FilePart) -> Block:
    """An uploaded file: an ``image`` block, or a ``document`` (PDF) block."""
    if p.url:
        source: Block = {"type": "url", "url": p.url}
    else:
        source = {"type": "base64", "media_type": p.mime_type, "data": p.data}
    return {"type": "image" if p.is_image else "document", "source": source}


def image(p: ImagePart) -> Block:
    if p.mime_type not in IMAGE_TYPES:
        return {"type": "text", "text": f"[an image of type {p.mime_type}, which Claude "
                                        f"cannot read; supported: {', '.join(IMAGE_TYPES)}]"}
    return {"type": "image", "source": {"type": "base64", "media_type": p.mime_type,
                                        "data": p.data}}


def tool_result(m: ToolResultMessage) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": tool_id(m.call_id)}
    parts = content(m.parts)
    if parts:
        block["content"] = parts
    if m.is_error:
        block["is_error"] = True
    return block


def assistant_blocks(parts: Sequence[Part], backend: str) -> list[Block]:
    out: list[Block] = []
    for p in parts:
        if isinstance(p, ReasoningPart):
            if p.provider == backend and p.signature:
                out.append({"type": "thinking", "thinking": p.text, "signature": p.signature})
        elif isinstance(p, TextPart):
            if p.text:
                out.append({"type": "text", "text": p.text})
        elif isinstance(p, ToolCallPart):
            out.append({"type": "tool_use", "id": tool_id(p.id), "name": p.name,
                        "input": p.arguments})
        elif isinstance(p, BuiltinToolPart) and p.provider == backend:
            out.extend(clean(b) for b in p.data.get("blocks") or [])
    return out


def clean(value: Any) -> Any:
    """A response block as a request block: ``None`` fields (output-only) left out."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


# response blocks ---------------------------------------------------------------------------------

_SERVER_TOOLS: dict[str, BuiltinTool] = {"web_search": "web_search", "web_fetch": "web_search",
                 "code_execution": "code_execution", "bash_code_execution": "code_execution",
                 "text_editor_code_execution": "code_execution"}


def server_tool(name: str) -> BuiltinTool:
    """The built-in tool family of a ``server_tool_use`` name (``native_tool`` if unknown)."""
    return _SERVER_TOOLS.get(name, "native_tool")


def server_tool_call(use: Block) -> BuiltinToolEvent:
    """A finished ``server_tool_use`` block: the provider is now running it."""
    name, args = use.get("name", ""), use.get("input") or {}
    return BuiltinToolEvent(
        server_tool(name), "in_progress", call_id=use.get("id"), name=name,
        query=args.get("query") or args.get("url"),
        code=args.get("code") or args.get("command"), data={"input": args})


def server_tool_result(result: Block, use: Block | None) -> BuiltinToolEvent:
    """A ``*_tool_result`` block (and the ``server_tool_use`` it answers) as a finished event."""
    use = use or {}
    done = server_tool_call(use) if use else BuiltinToolEvent("native_tool", "in_progress")
    done.call_id = result.get("tool_use_id") or done.call_id
    done.name = done.name or result.get("type")
    body = result.get("content")
    done.status = "completed"
    if isinstance(body, list):  # web search results
        done.sources = [Source(r["url"], r.get("title")) for r in body
                        if isinstance(r, dict) and r.get("url")]
        done.data["page_ages"] = [r.get("page_age") for r in body if isinstance(r, dict)]
    elif isinstance(body, dict):
        kind = str(body.get("type", ""))
        if kind.endswith("_error"):
            done.status = "failed"
            done.data["error_code"] = body.get("error_code")
            done.stderr = str(body.get("error_code") or "error")
        elif "stdout" in body or "encrypted_stdout" in body:
            done.stdout = body.get("stdout")
            done.stderr = body.get("stderr")
            done.return_code = body.get("return_code")
            done.data["files"] = [f.get("file_id") for f in body.get("content") or []
                                  if isinstance(f, dict)]
        elif body.get("url"):  # web fetch
            done.sources = [Source(body["url"])]
        else:
            done.data["result"] = body
    return done
