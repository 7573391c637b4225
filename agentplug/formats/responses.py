"""Messages and tools in the OpenAI Responses format: input items and tool definitions.

The Responses API thinks in items (message, reasoning, function_call, function_call_output,
web_search_call, code_interpreter_call). An assistant turn produced by the Responses backend
keeps its output items in ``provider_data["output"]``; replaying them as they came (reasoning
items with their ids and encrypted content before the function calls they led to) is what the
API expects. Turns from any other backend are rebuilt from their neutral parts instead.

With ``store: false`` nothing is kept server-side, and the API answers "Item with id ... not
found" to any item id it is sent: items then travel without ids, assistant messages as plain
text, reasoning only in its encrypted form, and built-in tool calls (whose schema requires an
id) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.messages import (
    AssistantMessage, FilePart, ImagePart, Message, SystemMessage, TextPart, ToolResultMessage,
    UserMessage, native_data,
)
from ..core.tools import ToolDef

Item = dict[str, Any]


def tools(defs: Sequence[ToolDef], *, web_search: bool = False,
          code_interpreter: bool = False) -> list[Item]:
    # strict=False: our schemas come from arbitrary functions and MCP servers, which rarely
    # meet strict mode's rules (every property required, no additionalProperties).
    out: list[Item] = [{"type": "function", "name": td.name, "description": td.description,
                        "parameters": td.parameters, "strict": False} for td in defs]
    if web_search:
        out.append({"type": "web_search"})
    if code_interpreter:
        out.append({"type": "code_interpreter", "container": {"type": "auto"}})
    return out


def instructions(history: Sequence[Message]) -> str | None:
    texts = [m.text for m in history if isinstance(m, SystemMessage)]
    return "\n\n".join(texts) if texts else None


def input_items(history: Sequence[Message], backend: str, *, stored: bool = True
                ) -> list[Item]:
    """The conversation as Responses input items (system messages go to ``instructions``).

    ``stored=False`` (the request's ``store: false``) replays items without server-side ids.
    """
    out: list[Item] = []
    for m in history:
        if isinstance(m, UserMessage):
            out.append({"role": "user", "content": _content(m.parts)})
        elif isinstance(m, AssistantMessage):
            native = native_data(m, backend)
            if native and isinstance(native.get("output"), list):
                replayed = (replay_item(item, stored=stored) for item in native["output"])
                out.extend(item for item in replayed if item is not None)
            else:
                out.extend(_neutral_assistant(m))
        elif isinstance(m, ToolResultMessage):
            out.append({"type": "function_call_output", "call_id": m.call_id,
                        "output": _tool_output(m)})
    return out


def _content(parts: Sequence[Any]) -> str | list[Item]:
    if all(isinstance(p, TextPart) for p in parts):
        return "".join(p.text for p in parts)
    out: list[Item] = []
    for p in parts:
        if isinstance(p, TextPart):
            out.append({"type": "input_text", "text": p.text})
        elif isinstance(p, ImagePart):
            out.append({"type": "input_image", "detail": "auto",
                        "image_url": f"data:{p.mime_type};base64,{p.data}"})
        elif isinstance(p, FilePart):
            out.append(attachment(p))
    return out


def attachment(p: FilePart) -> Item:
    """An uploaded file: ``input_image`` for images, ``input_file`` for documents."""
    if p.is_image:
        return {"type": "input_image", "detail": "auto", "image_url": p.data_url}
    if p.url:
        return {"type": "input_file", "file_url": p.url}
    return {"type": "input_file", "filename": p.filename, "file_data": p.data_url}


def _tool_output(m: ToolResultMessage) -> str | list[Item]:
    prefix = "ERROR: " if m.is_error else ""
    if not any(isinstance(p, ImagePart) for p in m.parts):
        return prefix + m.text
    out: list[Item] = [{"type": "input_text", "text": prefix}] if prefix else []
    for p in m.parts:
        if isinstance(p, TextPart):
            out.append({"type": "input_text", "text": p.text})
        elif isinstance(p, ImagePart):
            out.append({"type": "input_image", "detail": "auto",
                        "image_url": f"data:{p.mime_type};base64,{p.data}"})
    return out


def _neutral_assistant(m: AssistantMessage) -> list[Item]:
    out: list[Item] = []
    if m.text:
        out.append({"role": "assistant", "content": m.text})
    for c in m.tool_calls:
        out.append({"type": "function_call", "call_id": c.id, "name": c.name,
                    "arguments": c.arguments_json})
    return out


def replay_item(item: Item, *, stored: bool = True) -> Item | None:
    """An output item as the API accepts it back as input (None: leave it out).

    Output-only fields are dropped: ``logprobs`` on text, ``sources`` on a web search action
    (input sources only allow URLs, but outputs also name APIs such as ``oai-weather``).
    """
    if stored:
        return _replay(item)
    kind = item.get("type")
    if kind in ("web_search_call", "code_interpreter_call"):
        return None
    if kind == "reasoning" and not item.get("encrypted_content"):
        return None
    if kind == "message":  # plain assistant text: an id-less output message is not valid
        return {"role": "assistant", "content": "".join(
            c.get("text", "") for c in item.get("content") or [] if c.get("type") == "output_text")}
    out = _replay(item)
    out.pop("id", None)
    return out


def _replay(item: Item) -> Item:
    kind = item.get("type")
    if kind == "message":
        content = []
        for c in item.get("content") or []:
            if c.get("type") == "output_text":
                content.append({"type": "output_text", "text": c.get("text", ""),
                                "annotations": c.get("annotations") or []})
            else:
                content.append(c)
        return {"type": "message", "role": "assistant", "id": item.get("id"),
                "status": item.get("status") or "completed", "content": content}
    if kind == "reasoning":
        out: Item = {"type": "reasoning", "id": item.get("id"),
                     "summary": [{"type": "summary_text", "text": s.get("text", "")}
                                 for s in item.get("summary") or []]}
        if item.get("encrypted_content"):
            out["encrypted_content"] = item["encrypted_content"]
        return out
    if kind == "function_call":
        return {k: item[k] for k in ("type", "id", "call_id", "name", "arguments")
                if item.get(k) is not None}
    if kind == "web_search_call":
        action = {k: v for k, v in (item.get("action") or {}).items() if k != "sources"}
        return {"type": kind, "id": item.get("id"), "status": item.get("status") or "completed",
                "action": action}
    if kind == "code_interpreter_call":
        return {k: item.get(k) for k in ("type", "id", "code", "container_id", "outputs",
                                         "status")}
    return {k: v for k, v in item.items() if v is not None}
