"""SDK messages of one Claude Code turn → agentplug events.

Text and thinking stream from the partial-message events (``StreamEvent``, raw Messages API
stream events); the complete ``AssistantMessage`` that follows each model call supplies the
tool uses (with their whole input), and the ``UserMessage`` carrying ``tool_result`` blocks
supplies their results. The ``ResultMessage`` closes the turn with usage, cost, the session
id and any permission denials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agentplug.core.errors import BackendError
from agentplug.core.events import (
    Event, Notice, ReasoningDelta, TextDelta, ToolCallRequested, ToolResult,
)
from agentplug.core.messages import ReasoningPart, TextPart, ToolCallPart
from agentplug.core.usage import Usage
from .tools import PREFIX

PROVIDER = "claude_code"
RESULT_ERRORS = {
    "error_max_turns": "Claude Code stopped: it reached max_turns",
    "error_max_budget_usd": "Claude Code stopped: it reached max_budget_usd",
    "error_during_execution": "Claude Code failed during execution",
    "error_max_structured_output_retries": "Claude Code could not produce the structured output",
}


class ClaudeCodeError(BackendError):
    """A Claude Code turn ended with an error result; ``subtype`` is the SDK's reason."""

    def __init__(self, message: str, subtype: str, *, session_id: str | None = None,
                 status: int | None = None) -> None:
        self.subtype, self.session_id, self.status = subtype, session_id, status
        # Like the provider SDKs: rate limits, overload and server errors may pass.
        self.retryable = status is not None and (status in (408, 409, 429) or status >= 500)
        super().__init__(message)


@dataclass
class TurnState:
    """What one turn has produced so far (turned into the final ``Done``)."""

    parts: list[Any] = field(default_factory=list)
    calls: dict[str, ToolCallPart] = field(default_factory=dict)
    streamed_text: bool = False  # this model call's text came as deltas already
    streamed_thinking: bool = False
    new_block: bool = True  # the next text starts a new block (a paragraph break if needed)
    requests: int = 0  # model calls seen (message_start of the main agent)
    session_id: str | None = None
    result: Any = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    def add_text(self, text: str) -> list[Event]:
        if self.new_block:
            # Successive answers in one turn (around tool calls) read as paragraphs.
            if self.text and text and not self.text.endswith("\n"):
                text = "\n\n" + text
            self.new_block = False
        if not text:
            return []
        if self.parts and isinstance(self.parts[-1], TextPart):
            self.parts[-1].text += text
        else:
            self.parts.append(TextPart(text))
        return [TextDelta(text)]

    def add_thinking(self, text: str) -> list[Event]:
        if not text:
            return []
        if self.parts and isinstance(self.parts[-1], ReasoningPart):
            self.parts[-1].text += text
        else:
            self.parts.append(ReasoningPart(text, provider=PROVIDER))
        return [ReasoningDelta(text)]


def convert(message: Any, state: TurnState) -> list[Event]:
    """The agentplug events of one SDK message (updating ``state``)."""
    from claude_agent_sdk import (
        AssistantMessage, ResultMessage, StreamEvent, SystemMessage, UserMessage,
    )

    if isinstance(message, StreamEvent):
        state.session_id = message.session_id or state.session_id
        return _stream_event(message.event, state) if not message.parent_tool_use_id else []
    if isinstance(message, AssistantMessage):
        return _assistant(message, state)
    if isinstance(message, UserMessage):
        return _tool_results(message, state)
    if isinstance(message, SystemMessage):
        if message.subtype == "init":
            state.session_id = message.data.get("session_id") or state.session_id
        return []
    if isinstance(message, ResultMessage):
        state.result = message
        state.session_id = message.session_id or state.session_id
        return _denials(message)
    return []


def _stream_event(event: dict[str, Any], state: TurnState) -> list[Event]:
    kind = event.get("type")
    if kind == "message_start":
        state.requests += 1
        state.streamed_text = state.streamed_thinking = False
    elif kind == "content_block_start":
        state.new_block = True
    elif kind == "content_block_delta":
        delta = event.get("delta") or {}
        if delta.get("type") == "text_delta":
            state.streamed_text = True
            return state.add_text(delta.get("text", ""))
        if delta.get("type") == "thinking_delta":
            state.streamed_thinking = True
            return state.add_thinking(delta.get("thinking", ""))
    return []


def _assistant(message: Any, state: TurnState) -> list[Event]:
    from claude_agent_sdk import TextBlock, ThinkingBlock, ToolUseBlock

    if message.parent_tool_use_id:  # a subagent's own steps: only its final answer matters
        return []
    events: list[Event] = []
    for block in message.content:
        if isinstance(block, TextBlock) and not state.streamed_text:
            state.new_block = True
            events += state.add_text(block.text)
        elif isinstance(block, ThinkingBlock) and not state.streamed_thinking:
            events += state.add_thinking(block.thinking)
        elif isinstance(block, ToolUseBlock):
            call = ToolCallPart(block.id, _tool_name(block.name), dict(block.input or {}),
                                provider=PROVIDER, provider_data={"name": block.name})
            state.calls[block.id] = call
            state.parts.append(call)
            events.append(ToolCallRequested(call))
    return events


def _tool_results(message: Any, state: TurnState) -> list[Event]:
    from claude_agent_sdk import ToolResultBlock

    if message.parent_tool_use_id or isinstance(message.content, str):
        return []
    events: list[Event] = []
    for block in message.content:
        if not isinstance(block, ToolResultBlock):
            continue
        call = state.calls.get(block.tool_use_id)
        output = _result_text(block.content)
        events.append(ToolResult(block.tool_use_id, call.name if call else "?", output,
                                 bool(block.is_error), [TextPart(output)]))
    return events


def _denials(result: Any) -> list[Event]:
    events: list[Event] = []
    for denial in getattr(result, "permission_denials", None) or []:
        name = denial.get("tool_name", "?") if isinstance(denial, dict) else str(denial)
        detail = denial.get("tool_input") if isinstance(denial, dict) else None
        what = f"{name} {json.dumps(detail)}" if detail else name
        events.append(Notice(f"Claude Code denied a tool call: {what} (blocked by "
                             "disallowed_tools or the permission mode)", level="warning"))
    return events


def _tool_name(name: str) -> str:
    """agentplug's own tools keep their plain names; native and MCP tools keep the CLI's."""
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def _result_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = []
    for item in content:
        if isinstance(item, dict) and item.get("type") == "text":
            out.append(str(item.get("text", "")))
        elif isinstance(item, dict) and item.get("type") == "image":
            out.append("[image]")
        else:
            out.append(json.dumps(item, default=str))
    return "\n".join(out)


def result_usage(result: Any, cost_before: float, requests: int) -> Usage:
    """The turn's usage and cost from the ``ResultMessage`` (summed over its model calls).

    The CLI's ``total_cost_usd`` adds up every turn of its process: the turn's own cost is
    the difference from ``cost_before``, the total after the previous turn.
    """
    u = result.usage or {}
    total = result.total_cost_usd
    return Usage(
        input_tokens=int(u.get("input_tokens") or 0) + int(u.get("cache_read_input_tokens") or 0)
        + int(u.get("cache_creation_input_tokens") or 0),
        output_tokens=int(u.get("output_tokens") or 0),
        cached_tokens=int(u.get("cache_read_input_tokens") or 0),
        cache_write_tokens=int(u.get("cache_creation_input_tokens") or 0),
        requests=requests,
        cost_usd=None if total is None else max(0.0, total - cost_before),
    )


def result_error(result: Any) -> ClaudeCodeError | None:
    """An error result (max turns, budget, API error) as an agentplug error with its reason."""
    if not result.is_error and not str(result.subtype).startswith("error"):
        return None
    status = getattr(result, "api_error_status", None)
    if result.subtype in RESULT_ERRORS:
        reason = RESULT_ERRORS[result.subtype]
    elif status is not None:
        reason = f"Claude Code failed: the model API answered HTTP {status}"
    else:
        reason = f"Claude Code failed ({result.subtype})"
    details = [str(e) for e in (getattr(result, "errors", None) or [])]
    if result.result and result.subtype == "success":
        details.append(str(result.result))  # an API error arrives as the answer text
    text = reason + (": " + "; ".join(details) if details else "")
    return ClaudeCodeError(text, result.subtype, session_id=result.session_id, status=status)
