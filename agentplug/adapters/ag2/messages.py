"""AG2's OpenAI-style message dicts, seen as agentplug messages and prompts."""

from __future__ import annotations

from typing import Any

from ...core.messages import AssistantMessage, Message, SystemMessage, TextPart, UserMessage


def content_text(content: Any) -> str:
    """The text of an AG2 ``content`` (a string, a multimodal list, or None)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content
                       if isinstance(p, dict) and p.get("type") == "text")
    return str(content)


def to_messages(system: str | None, messages: list[dict[str, Any]]) -> list[Message]:
    """An AG2 agent's view of a chat (``user`` = others, ``assistant`` = itself)."""
    out: list[Message] = [SystemMessage(system)] if system else []
    for m in messages:
        text = content_text(m.get("content"))
        if m.get("role") == "assistant":
            out.append(AssistantMessage([TextPart(text)], provider="ag2"))
        elif m.get("role") in ("user", "tool", "function"):
            out.append(UserMessage.of(text))
    return out


def new_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages received since this agent last spoke."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "assistant":
            return messages[i + 1:]
    return list(messages)


def prompt_from(messages: list[dict[str, Any]]) -> str:
    """One prompt for an agentplug agent: what the others said, each under their name."""
    parts = []
    for m in messages:
        text = content_text(m.get("content"))
        name = m.get("name")
        parts.append(f"{name}: {text}" if name and len(messages) > 1 else text)
    return "\n\n".join(parts)


def strip_terminate(text: str) -> str:
    """The answer without AG2's end-of-conversation keyword."""
    stripped = text.rstrip()
    if stripped.endswith("TERMINATE"):
        stripped = stripped[: -len("TERMINATE")].rstrip()
    return stripped


def is_terminate(message: dict[str, Any]) -> bool:
    return content_text(message.get("content")).rstrip().endswith("TERMINATE")
