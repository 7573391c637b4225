"""The Chat Completions backend, shared by every OpenAI-compatible backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from agentplug.core.errors import StreamError
from agentplug.core.events import (
    Done, Event, ReasoningDelta, TextDelta, ToolCallDelta, ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import AssistantMessage, Message, ReasoningPart, TextPart, ToolCallPart
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef, parse_arguments
from agentplug.core.usage import Usage
from agentplug.formats import chat_completions as fmt
from agentplug.formats.structured import (
    chat_completions_format, chat_completions_tool_choice,
)
from .backend import KeyNeed, SDKBackend, openai_dict, sdk_dicts
from .compat_params import CompatParams
from .errors import ErrorRule
from .openai_sdk import openai_error, openai_module
from .wire import openai_stream

_OPTIONS = ("temperature", "max_tokens", "top_p", "stop", "seed", "presence_penalty",
            "frequency_penalty")
_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_calls",
         "function_call": "tool_calls", "content_filter": "content_filter"}


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatCompletionsBackend(SDKBackend):
    """Streams ``chat.completions.create``: every OpenAI-compatible backend is one of these,
    adjusting the endpoint and ``extra_body`` for its provider."""

    params: CompatParams
    resource = "chat.completions"
    key_needed: ClassVar[KeyNeed] = "remote"

    def client_factory(self) -> Callable[..., Any]:
        return openai_module().AsyncOpenAI  # type: ignore[no-any-return]

    def error_rules(self) -> Sequence[ErrorRule]:
        return (openai_error,)

    def extra_body(self) -> dict[str, Any]:
        """Provider-specific fields the openai SDK does not know (sent via ``extra_body``)."""
        return {}

    def request_options(self) -> dict[str, Any]:
        """Sampling fields, then ``extra_body``: the backend's own under the user's (which
        wins, so any provider field can be overridden)."""
        p = self.params
        opts = {key: value for key in _OPTIONS if (value := getattr(p, key)) is not None}
        extra = {**self.extra_body(), **(p.extra_body or {})}
        if extra:
            opts["extra_body"] = extra
        return opts

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model_name,
            "messages": fmt.messages(messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            **self.request_options(),
        }
        if tools:
            request["tools"] = fmt.tools(tools)
        return request

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        request["response_format"] = chat_completions_format(output)

    def forces_tool_choice(self) -> bool:
        """Whether the endpoint honours a named or ``required`` ``tool_choice`` (some
        OpenAI-compatible providers take only ``auto``)."""
        return True

    def force_tool(self, request: dict[str, Any], output: OutputSpec, alone: bool) -> None:
        if self.forces_tool_choice():
            request["tool_choice"] = chat_completions_tool_choice(output, alone)

    def new_turn(self, url: str) -> _Turn:
        return _Turn(url, self.name)

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        if self.fast_stream:
            return openai_stream(client.chat.completions.with_streaming_response.create(
                **request))
        return sdk_dicts(await client.chat.completions.create(**request), openai_dict)


@dataclass(slots=True)
class _Turn:
    """One streamed completion, accumulated chunk by chunk (each chunk its JSON dict)."""

    url: str
    provider: str
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _PendingCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=lambda: Usage(requests=1))

    def feed(self, chunk: Any) -> Iterator[Event]:
        if (usage := chunk.get("usage")) is not None:
            self.usage = _usage(usage)
        for choice in chunk.get("choices") or ():
            if (delta := choice.get("delta")) is not None:
                yield from self._delta(delta)
            if reason := choice.get("finish_reason"):
                self.finish_reason = reason

    def _delta(self, delta: Any) -> Iterator[Event]:
        piece = delta.get("reasoning_content") or delta.get("reasoning")
        if piece and isinstance(piece, str):
            self.reasoning.append(piece)
            yield ReasoningDelta(piece)
        if content := delta.get("content"):
            self.text.append(content)
            yield TextDelta(content)
        for tc in delta.get("tool_calls") or ():
            index = tc.get("index")
            pending = self.calls.setdefault(index, _PendingCall())
            pending.id = tc.get("id") or pending.id
            if (function := tc.get("function")) is not None:
                pending.name += function.get("name") or ""
                if arguments := function.get("arguments"):
                    pending.arguments.append(arguments)
                    yield ToolCallDelta(pending.id or f"call_{index}", pending.name, arguments)

    def finish(self) -> Iterator[Event]:
        if self.finish_reason is None:
            # Every provider ends a choice with a finish_reason; a stream without one was cut
            # (llama.cpp's server answers a failed request with an empty stream).
            raise StreamError(f"the stream from {self.url} ended without a finish_reason")
        provider = self.provider
        parts: list[Any] = []
        if self.reasoning:
            parts.append(ReasoningPart("".join(self.reasoning), provider=provider))
        if self.text:
            parts.append(TextPart("".join(self.text)))
        for index in sorted(self.calls):
            c = self.calls[index]
            call = ToolCallPart(c.id or f"call_{index}", c.name,
                                parse_arguments("".join(c.arguments)))
            parts.append(call)
            yield ToolCallRequested(call)
        yield UsageEvent(self.usage)
        stop = "tool_calls" if self.calls else _STOP.get(self.finish_reason, "end_turn")
        yield Done(AssistantMessage(parts, provider=provider), stop, self.usage)  # type: ignore[arg-type]


def _usage(u: Any) -> Usage:
    cost = u.get("cost")
    return Usage(
        input_tokens=u.get("prompt_tokens") or 0,
        output_tokens=u.get("completion_tokens") or 0,
        cached_tokens=(u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0,
        reasoning_tokens=(u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0,
        requests=1,
        cost_usd=float(cost) if isinstance(cost, (int, float)) else None,
    )
