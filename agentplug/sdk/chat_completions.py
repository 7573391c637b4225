"""The Chat Completions code path, shared by every OpenAI-compatible backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from agentplug.core.backend import BaseBackend
from agentplug.core.errors import StreamError
from agentplug.core.events import (
    Done, Event, ReasoningDelta, TextDelta, ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import AssistantMessage, Message, ReasoningPart, TextPart, ToolCallPart
from agentplug.core.tools import ToolDef, parse_arguments
from agentplug.core.usage import Usage
from agentplug.formats import chat_completions as fmt
from .clients import cached_client, map_error, open_client, openai_module

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_calls",
         "function_call": "tool_calls", "content_filter": "content_filter"}


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatCompletionsBackend(BaseBackend):
    """Streams ``chat.completions.create``. Subclasses adjust ``client_settings`` and
    ``request_options`` for their provider (URL, key, extra body fields)."""

    def client_settings(self) -> dict[str, Any]:
        raise NotImplementedError

    def client_factory(self) -> Any:
        return openai_module().AsyncOpenAI

    def request_options(self) -> dict[str, Any]:
        """Provider-specific request fields (sent as-is, or via ``extra_body``)."""
        p = self.params
        opts: dict[str, Any] = {}
        if p.temperature is not None:
            opts["temperature"] = p.temperature
        if p.max_tokens is not None:
            opts["max_tokens"] = p.max_tokens
        return opts

    @property
    def url(self) -> str:
        return str(self.client_settings().get("base_url", "https://api.openai.com/v1"))

    async def open(self) -> None:
        # Importing the SDK takes ~0.4 s: do it off the event loop.
        await asyncio.to_thread(openai_module)
        await open_client(self.client_factory(), "chat.completions", **self.client_settings())

    def _client_now(self) -> Any:
        # Agents may be driven from a different loop than the one that opened them.
        return cached_client(self.client_factory(), **self.client_settings())

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.params.model,
            "messages": fmt.messages(messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            **self.request_options(),
        }
        if tools:
            request["tools"] = fmt.tools(tools)
        return request

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        client = self._client_now()
        request = self.build_request(messages, tools)
        turn = _Turn()
        try:
            stream = await client.chat.completions.create(**request)
            async with stream:  # leaving early (cancel, break) closes the HTTP stream now
                async for chunk in stream:
                    for event in turn.feed(chunk):
                        yield event
        except Exception as exc:
            raise map_error(exc, self.url) from exc
        if turn.finish is None:
            # Every provider ends a choice with a finish_reason; a stream without one was cut
            # (llama.cpp's server answers a failed request with an empty stream).
            raise StreamError(f"the stream from {self.url} ended without a finish_reason")
        for event in turn.finish_events(self.name):
            yield event


@dataclass(slots=True)
class _Turn:
    """One streamed completion, accumulated chunk by chunk."""

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _PendingCall] = field(default_factory=dict)
    finish: str | None = None
    usage: Usage = field(default_factory=lambda: Usage(requests=1))

    def feed(self, chunk: Any) -> Iterator[Event]:
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        for choice in chunk.choices:
            if choice.delta is not None:
                yield from self._delta(choice.delta)
            if choice.finish_reason:
                self.finish = choice.finish_reason

    def _delta(self, delta: Any) -> Iterator[Event]:
        if piece := _reasoning(delta):
            self.reasoning.append(piece)
            yield ReasoningDelta(piece)
        if delta.content:
            self.text.append(delta.content)
            yield TextDelta(delta.content)
        for tc in delta.tool_calls or ():
            pending = self.calls.setdefault(tc.index, _PendingCall())
            pending.id = tc.id or pending.id
            if tc.function is not None:
                pending.name += tc.function.name or ""
                if tc.function.arguments:
                    pending.arguments.append(tc.function.arguments)

    def finish_events(self, provider: str) -> Iterator[Event]:
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
        stop = "tool_calls" if self.calls else _STOP.get(self.finish or "stop", "end_turn")
        yield Done(AssistantMessage(parts, provider=provider), stop, self.usage)  # type: ignore[arg-type]


def _reasoning(delta: Any) -> str | None:
    extra = delta.model_extra or {}
    value = extra.get("reasoning_content") or extra.get("reasoning")
    return value if isinstance(value, str) and value else None


def _usage(u: Any) -> Usage:
    prompt_details = getattr(u, "prompt_tokens_details", None)
    completion_details = getattr(u, "completion_tokens_details", None)
    cost = (u.model_extra or {}).get("cost")
    return Usage(
        input_tokens=u.prompt_tokens or 0,
        output_tokens=u.completion_tokens or 0,
        cached_tokens=getattr(prompt_details, "cached_tokens", 0) or 0,
        reasoning_tokens=getattr(completion_details, "reasoning_tokens", 0) or 0,
        requests=1,
        cost_usd=float(cost) if isinstance(cost, (int, float)) else None,
    )


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def is_local(url: str | None) -> bool:
    """A server on this machine: it ignores the API key, though the SDK insists on one."""
    return (urlsplit(url or "").hostname or "") in LOCAL_HOSTS
