"""The ``claude`` backend's runtime: ``AsyncAnthropic().messages.create(stream=True)``.

Raw stream events are accumulated here rather than through the SDK's stream helper, so every
block (thinking with its signature, server tool use and results, citations) is kept exactly as
the API sent it, for replay on the next call of a tool loop.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from agentplug.core.errors import (
    BackendError, ProviderConnectionError, ProviderError, ProviderTimeoutError, RateLimitError,
    StreamError,
)
from agentplug.core.events import (
    BuiltinToolEvent, Done, Event, ReasoningDelta, Source, StopReason, TextDelta,
    ToolCallDelta, ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import (
    AssistantMessage, BuiltinToolPart, Message, Part, ReasoningPart, TextPart, ToolCallPart,
)
from agentplug.core.requirements import require
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef, parse_arguments
from agentplug.core.usage import Usage
from agentplug.formats import anthropic as fmt
from agentplug.formats.structured import anthropic_format, anthropic_tool_choice
from agentplug.sdk.backend import SDKBackend, openai_dict, sdk_dicts
from agentplug.sdk.errors import ErrorRule
from agentplug.sdk.wire import anthropic_stream
from . import DEFAULT_THINKING_BUDGET, default_max_tokens
from .params import ClaudeParams

Block = dict[str, Any]
_STOP: dict[str, StopReason] = {
    "end_turn": "end_turn", "tool_use": "tool_calls", "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence", "refusal": "refusal", "pause_turn": "pause_turn",
    "model_context_window_exceeded": "max_tokens",
}
# Blocks of tools the provider runs: its own, and MCP servers it calls (the MCP connector).
_SERVER_USES = ("server_tool_use", "mcp_tool_use")
# Error types the API uses for transient trouble (reported in a 200 stream as well).
_TRANSIENT = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}


def anthropic_module() -> Any:
    return require("anthropic", "claude")


class ClaudeBackend(SDKBackend):
    params: ClaudeParams
    resource = "messages"

    def client_factory(self) -> Callable[..., Any]:
        return anthropic_module().AsyncAnthropic  # type: ignore[no-any-return]

    def load_sdk(self) -> None:
        _load_sdk()

    def error_rules(self) -> Sequence[ErrorRule]:
        return (anthropic_error,)

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.params.betas:
            headers["anthropic-beta"] = ",".join(self.params.betas)
        return headers

    @property
    def model(self) -> str:
        return str(self.model_name)  # the declaration names a default model

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        p = self.params
        request: dict[str, Any] = {"model": self.model,
                                   "messages": fmt.messages(messages, self.name), "stream": True}
        max_tokens = p.max_tokens or default_max_tokens(self.model)
        if p.thinking == "enabled":
            budget = p.thinking_budget or DEFAULT_THINKING_BUDGET
            request["thinking"] = {"type": "enabled", "budget_tokens": budget}
            if p.max_tokens is None:
                max_tokens = max(max_tokens, budget + 4096)
        elif p.thinking is not None:
            request["thinking"] = {"type": p.thinking}
        request["max_tokens"] = max_tokens
        if system := fmt.system(messages):
            request["system"] = system
        web_search: dict[str, Any] | None = None
        if p.enable_web_search:
            web_search = {"type": p.web_search_tool, "name": "web_search"}
            if p.web_search_max_uses:
                web_search["max_uses"] = p.web_search_max_uses
        tool_list = fmt.tools(tools, web_search=web_search, code_execution=(
            p.code_execution_tool if p.enable_code_execution else None))
        if tool_list:
            request["tools"] = tool_list
        if p.stop_sequences:
            request["stop_sequences"] = p.stop_sequences
        if p.effort:
            request["output_config"] = {"effort": p.effort}
        # SDK 1.0 dropped the sampling keywords (the API still takes them on older models).
        sampling = {k: v for k in ("temperature", "top_k", "top_p")
                    if (v := getattr(p, k)) is not None}
        if sampling or p.extra_body:
            request["extra_body"] = {**sampling, **(p.extra_body or {})}
        return request

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        request["output_config"] = {**request.get("output_config", {}),
                                    "format": anthropic_format(output)}

    def force_tool(self, request: dict[str, Any], output: OutputSpec, alone: bool) -> None:
        # Anthropic refuses a forced tool choice while extended thinking is on ("Thinking
        # may not be enabled when tool_choice forces tool use"): then the prompt asks alone.
        if (request.get("thinking") or {}).get("type") in (None, "disabled"):
            request["tool_choice"] = anthropic_tool_choice(output, alone)

    def new_turn(self, url: str) -> _Turn:
        return _Turn(self.name, url)

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        if self.fast_stream:
            return anthropic_stream(client,
                                    client.messages.with_streaming_response.create(**request))
        return sdk_dicts(await client.messages.create(**request), openai_dict)

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        client = self.client()
        request = self.output_request(messages, tools, output)
        turn = self.new_turn(self.url_of(client))
        for attempt in range(self.params.max_pause_continuations + 1):
            if attempt:
                # A paused turn (long server tool runs) resumes by sending it back as is.
                request["messages"] = fmt.messages([*messages, turn.message()], self.name)
            turn.start_call()
            async for out in self.call(client, request, turn):
                yield out
            turn.end_call()
            if turn.stop != "pause_turn":
                break
        for out in turn.finish():
            yield out


@functools.cache
def _load_sdk() -> None:
    """Import the SDK and build its stream event models off the event loop (first use of the
    pydantic models would otherwise stall the loop in the middle of the first stream)."""
    anthropic_module()
    import typing

    from anthropic.types import Message as SDKMessage
    from anthropic.types import RawMessageStreamEvent

    union = typing.get_args(RawMessageStreamEvent)[0]
    for model in (SDKMessage, *typing.get_args(union)):
        model.model_rebuild()


class _Turn:
    """Accumulates one or more streamed calls (a paused turn resumes; events as JSON dicts)
    into events and a message."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend, self.url = backend, url
        self.blocks: list[Block] = []  # finished blocks of every call, in order
        self.usage = Usage()
        self.stop: str | None = None
        self.citations: list[Block] = []
        self.uses: dict[str, Block] = {}  # server_tool_use blocks by id
        self.calls: list[ToolCallPart] = []
        self.start_call()

    def start_call(self) -> None:
        self.building: dict[int, Block] = {}
        # Streamed pieces per block, joined when the block stops (not a string rebuilt per
        # delta, whose cost grows with the answer).
        self.texts: dict[int, list[str]] = {}
        self.thoughts: dict[int, list[str]] = {}
        self.partial_json: dict[int, list[str]] = {}
        self.start_usage: Any = None
        self.delta_usage: Any = None
        self.stopped = False

    def feed(self, event: Any) -> list[Event]:
        handler = _EVENTS.get(event.get("type"))
        return handler(self, event) if handler is not None else []

    def _delta(self, event: Any) -> list[Event]:
        index, delta = event.get("index"), event.get("delta") or {}
        block = self.building.get(index)
        if block is None:
            raise StreamError(f"a delta for content block {index}, which never started "
                              f"(stream from {self.url})")
        handler = _DELTAS.get(delta.get("type"))
        return handler(self, index, block, delta) if handler is not None else []

    def _block_start(self, event: Any) -> list[Event]:
        block = event.get("content_block") or {}
        self.building[event.get("index")] = block
        if block.get("type") in _SERVER_USES:
            return [BuiltinToolEvent(fmt.server_tool(block.get("name", "")), "started",
                                     call_id=block.get("id"), name=block.get("name"))]
        return []

    def _block_stop(self, event: Any) -> list[Event]:
        return self._finish_block(event.get("index"))

    def _message_start(self, event: Any) -> list[Event]:
        self.start_usage = (event.get("message") or {}).get("usage")
        return []

    def _message_delta(self, event: Any) -> list[Event]:
        self.stop = (event.get("delta") or {}).get("stop_reason")
        self.delta_usage = event.get("usage")
        return []

    def _message_stop(self, event: Any) -> list[Event]:
        self.stopped = True
        return []

    def _text(self, index: Any, block: Block, delta: Any) -> list[Event]:
        text = delta.get("text") or ""
        _piece(self.texts, index, text)
        return [TextDelta(text)] if text else []

    def _thinking(self, index: Any, block: Block, delta: Any) -> list[Event]:
        thinking = delta.get("thinking") or ""
        _piece(self.thoughts, index, thinking)
        return [ReasoningDelta(thinking)] if thinking else []

    def _signature(self, index: Any, block: Block, delta: Any) -> list[Event]:
        block["signature"] = block.get("signature", "") + (delta.get("signature") or "")
        return []

    def _input_json(self, index: Any, block: Block, delta: Any) -> list[Event]:
        piece = delta.get("partial_json") or ""
        _piece(self.partial_json, index, piece)
        # Server tools (a web search's query) stream input too: only function calls are told.
        if piece and block.get("type") == "tool_use":
            return [ToolCallDelta(block.get("id", ""), block.get("name", ""), piece)]
        return []

    def _citation(self, index: Any, block: Block, delta: Any) -> list[Event]:
        citation = delta.get("citation") or {}
        block.setdefault("citations", []).append(citation)
        self.citations.append(citation)
        return []

    def _finish_block(self, index: int) -> list[Event]:
        block = self.building.pop(index, None)
        if block is None:
            return []
        if (texts := self.texts.pop(index, None)) is not None:
            block["text"] = block.get("text", "") + "".join(texts)
        if (thoughts := self.thoughts.pop(index, None)) is not None:
            block["thinking"] = block.get("thinking", "") + "".join(thoughts)
        if (pieces := self.partial_json.pop(index, None)) is not None:
            raw = "".join(pieces)
            block["input"] = parse_arguments(raw) if raw else block.get("input") or {}
        self.blocks.append(block)
        kind = block.get("type")
        if kind == "tool_use":
            call = ToolCallPart(block.get("id", ""), block.get("name", ""),
                                block.get("input") or {}, provider=self.backend)
            self.calls.append(call)
            return [ToolCallRequested(call)]
        if kind in _SERVER_USES:
            self.uses[block.get("id", "")] = block
            return [fmt.server_tool_call(block)]
        if str(kind).endswith("_tool_result") and "tool_use_id" in block:
            return [fmt.server_tool_result(block, self.uses.get(block["tool_use_id"]))]
        return []

    def end_call(self) -> None:
        if not self.stopped:
            raise StreamError(f"the stream from {self.url} ended before message_stop")
        self.usage = self.usage + _usage(self.start_usage, self.delta_usage)

    def message(self) -> AssistantMessage:
        parts: list[Part] = []
        calls = iter(self.calls)
        for block in self.blocks:
            kind = block.get("type")
            if kind == "thinking":
                parts.append(ReasoningPart(block.get("thinking", ""), block.get("signature"),
                                           self.backend))
            elif kind == "text":
                parts.append(TextPart(block.get("text", "")))
            elif kind == "tool_use":
                parts.append(next(calls))
            elif str(kind).endswith("_tool_result") and "tool_use_id" in block:
                use = self.uses.get(block["tool_use_id"]) or {}
                parts.append(BuiltinToolPart(
                    fmt.server_tool(use.get("name", "")), block["tool_use_id"], self.backend,
                    {"blocks": [b for b in (use, block) if b]}))
        return AssistantMessage(parts, provider=self.backend,
                                provider_data={"content": list(self.blocks)})

    def finish(self) -> list[Event]:
        events: list[Event] = []
        if self.citations:
            # Citations arrive inside the answer: report them as the sources it used.
            events.append(BuiltinToolEvent(
                "web_search", "completed", name="citations",
                sources=[Source(c["url"], c.get("title"), c.get("cited_text"))
                         for c in self.citations if c.get("url")],
                data={"citations": self.citations}))
        message = self.message()
        events.append(UsageEvent(self.usage))
        stop = _STOP.get(self.stop or "end_turn", "end_turn")
        if stop == "end_turn" and message.tool_calls:
            stop = "tool_calls"
        events.append(Done(message, stop, self.usage))
        return events


def _piece(pieces: dict[int, list[str]], index: int, piece: str) -> None:
    if (known := pieces.get(index)) is None:
        pieces[index] = [piece]
    else:
        known.append(piece)


# Stream event and delta types the turn reads; any other is skipped, as on the SDK path.
_EVENTS: dict[Any, Callable[[_Turn, Any], list[Event]]] = {
    "content_block_delta": _Turn._delta,
    "content_block_start": _Turn._block_start,
    "content_block_stop": _Turn._block_stop,
    "message_start": _Turn._message_start,
    "message_delta": _Turn._message_delta,
    "message_stop": _Turn._message_stop,
}
_DELTAS: dict[Any, Callable[[_Turn, Any, Block, Any], list[Event]]] = {
    "text_delta": _Turn._text,
    "thinking_delta": _Turn._thinking,
    "signature_delta": _Turn._signature,
    "input_json_delta": _Turn._input_json,
    "citations_delta": _Turn._citation,
}


def _usage(start: Block | None, delta: Block | None) -> Usage:
    """Usage of one call: ``message_delta`` carries the final counts, ``message_start`` the
    input side (older streams only there). Input here includes cache reads and writes."""
    def pick(name: str) -> int:
        for source in (delta, start):
            value = (source or {}).get(name)
            if value is not None:
                return int(value)
        return 0

    cached, written = pick("cache_read_input_tokens"), pick("cache_creation_input_tokens")
    details = (delta or {}).get("output_tokens_details") or {}
    return Usage(input_tokens=pick("input_tokens") + cached + written,
                 output_tokens=pick("output_tokens"), cached_tokens=cached,
                 cache_write_tokens=written,
                 reasoning_tokens=details.get("thinking_tokens") or 0, requests=1)


def anthropic_error(exc: BaseException, url: str) -> BackendError | None:
    """The ``anthropic`` SDK's exceptions (a stall mid-stream surfaces as a raw transport
    ReadTimeout, which the transport table maps)."""
    anthropic = anthropic_module()
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderTimeoutError(f"request to {url} timed out ({type(exc).__name__})")
    if isinstance(exc, anthropic.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return ProviderConnectionError(url, str(cause or exc))
    if isinstance(exc, anthropic.APIStatusError):
        kind, message = _error_detail(exc)
        cls = RateLimitError if exc.status_code == 429 or kind == "rate_limit_error" else (
            ProviderError)
        if exc.status_code == 200:  # an ``event: error`` inside a 200 stream
            return cls(f"{message} [{kind}] (stream from {url})", body=exc.body,
                       retryable=kind in _TRANSIENT)
        return cls(f"{message} [{kind}]", status=exc.status_code, body=exc.body)
    if isinstance(exc, json.JSONDecodeError):
        return StreamError(f"malformed event in the stream from {url}: {exc}")
    return None


def _error_detail(exc: Any) -> tuple[str, str]:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return str(err.get("type") or "error"), str(err.get("message") or exc.message)
    return str(getattr(exc, "type", None) or "error"), str(exc.message)
