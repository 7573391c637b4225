"""The ``openai`` backend's runtime: ``client.responses.create(stream=True)``."""

from __future__ import annotations

import base64
import functools
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agentplug.core.errors import StreamError
from agentplug.core.events import (
    BuiltinToolEvent, Done, Event, ReasoningDelta, Source, TextDelta, ToolCallDelta,
    ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import (
    AssistantMessage, BuiltinToolPart, Message, Part, ReasoningPart, TextPart, ToolCallPart,
)
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef, parse_arguments
from agentplug.core.usage import Usage
from agentplug.formats import responses as fmt
from agentplug.formats.structured import responses_format, responses_tool_choice
from agentplug.sdk.backend import SDKBackend, openai_dict, sdk_dicts
from agentplug.sdk.errors import ErrorRule
from agentplug.sdk.openai_sdk import openai_error, openai_module, stream_event_error
from agentplug.sdk.wire import openai_stream
from .params import OpenAIParams

Item = dict[str, Any]
_INCOMPLETE = {"max_output_tokens": "max_tokens", "content_filter": "content_filter"}


class OpenAIResponsesBackend(SDKBackend):
    params: OpenAIParams
    resource = "responses"

    def client_factory(self) -> Callable[..., Any]:
        return openai_module().AsyncOpenAI  # type: ignore[no-any-return]

    def load_sdk(self) -> None:
        _load_sdk()

    def error_rules(self) -> Sequence[ErrorRule]:
        return (openai_error,)

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        p = self.params
        request: dict[str, Any] = {
            "model": self.model_name,
            "input": fmt.input_items(messages, self.name, stored=p.store is not False),
            "stream": True,
        }
        if instructions := fmt.instructions(messages):
            request["instructions"] = instructions
        tool_list = fmt.tools(tools, web_search=p.enable_web_search,
                              code_interpreter=p.enable_code_interpreter)
        if p.enable_image_generation:
            tool_list.append({"type": "image_generation"})
        if tool_list:
            request["tools"] = tool_list
        include = []
        if p.enable_web_search:
            include.append("web_search_call.action.sources")
        if p.enable_code_interpreter:
            include.append("code_interpreter_call.outputs")
        if p.store is False:
            # Nothing is kept server-side: reasoning must travel back in encrypted form.
            include.append("reasoning.encrypted_content")
        if include:
            request["include"] = include
        # Sent in the API's own nested shapes, as written (flat aliases folded in).
        if p.reasoning is not None and (reasoning := p.reasoning.model_dump(exclude_none=True)):
            request["reasoning"] = reasoning
        if p.text is not None and (text := p.text.model_dump(exclude_none=True)):
            request["text"] = text
        if p.max_tokens is not None:
            request["max_output_tokens"] = p.max_tokens
        for key in ("temperature", "top_p", "store", "parallel_tool_calls", "max_tool_calls",
                    "service_tier", "extra_body"):
            if (value := getattr(p, key)) is not None:
                request[key] = value
        return request

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        request["text"] = {**request.get("text", {}), "format": responses_format(output)}

    def force_tool(self, request: dict[str, Any], output: OutputSpec, alone: bool) -> None:
        request["tool_choice"] = responses_tool_choice(output, alone)

    def new_turn(self, url: str) -> _Turn:
        return _Turn(self.name, url, images_dir=self.params.cwd)

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        if self.fast_stream:
            return openai_stream(client.responses.with_streaming_response.create(**request))
        return sdk_dicts(await client.responses.create(**request), openai_dict)


@functools.cache
def _load_sdk() -> None:
    """Import the SDK (~0.4 s) and build its Responses event models, off the event loop.

    The SDK's pydantic models defer schema building to first use, which would otherwise
    stall the loop for ~0.8 s in the middle of the first stream.
    """
    openai_module()
    import openai.resources.responses.responses  # noqa: F401  (else loaded on first use)
    from openai.types.responses import Response, ResponseStreamEvent

    union = typing.get_args(ResponseStreamEvent)[0]
    for model in (Response, *typing.get_args(union)):
        model.model_rebuild()


class _Turn:
    """Accumulates one streamed response (its events as JSON dicts) into events and the final
    message."""

    def __init__(self, backend: str, url: str, images_dir: str | None = None) -> None:
        self.backend, self.url = backend, url
        self.images_dir = images_dir  # where generated images are saved (the agent's cwd)
        self.text: dict[str, str] = {}  # streamed text per message item
        self.reasoning: dict[str, str] = {}  # streamed summary per reasoning item
        self.items: dict[int, Item] = {}
        self.calls: dict[str, ToolCallPart] = {}
        # Function calls streaming their arguments: item id -> (call id, name), as added.
        self.streaming: dict[str, tuple[str, str]] = {}
        self.last_search: str | None = None
        self.final: Item | None = None  # the response of response.completed / .incomplete

    def _reasoning_delta(self, item_id: str, text: str) -> ReasoningDelta:
        self.reasoning[item_id] = self.reasoning.get(item_id, "") + text
        return ReasoningDelta(text)

    def feed(self, event: Any) -> list[Event]:
        handler = _EVENTS.get(event.get("type"))
        return handler(self, event) if handler is not None else []

    def _text_delta(self, event: Any) -> list[Event]:
        item_id, delta = event.get("item_id"), event.get("delta")
        self.text[item_id] = self.text.get(item_id, "") + delta
        return [TextDelta(delta)] if delta else []

    def _summary_delta(self, event: Any) -> list[Event]:
        delta = event.get("delta")
        return [self._reasoning_delta(event.get("item_id"), delta)] if delta else []

    def _summary_part(self, event: Any) -> list[Event]:
        if any(self.reasoning.values()):
            # Summary parts are paragraphs: keep them apart in the joined reasoning text.
            return [self._reasoning_delta(event.get("item_id"), "\n\n")]
        return []

    def _item_added(self, event: Any) -> list[Event]:
        item = event.get("item") or {}
        if item.get("type") == "function_call":
            self.streaming[item.get("id") or ""] = (self._call_id(item), item.get("name", ""))
        return _started(item)

    def _arguments_delta(self, event: Any) -> list[Event]:
        delta, known = event.get("delta"), self.streaming.get(event.get("item_id") or "")
        return [ToolCallDelta(*known, delta)] if delta and known is not None else []

    def _output_item_done(self, event: Any) -> list[Event]:
        item = event.get("item") or {}
        self.items[event.get("output_index")] = item
        return self._item_done(item)

    def _final(self, event: Any) -> list[Event]:
        self.final = event.get("response")
        return []

    def _failed(self, event: Any) -> list[Event]:
        error = (event.get("response") or {}).get("error") or {}
        raise stream_event_error(error.get("code"), error.get("message"), self.url)

    def _error(self, event: Any) -> list[Event]:
        raise stream_event_error(event.get("code"), event.get("message"), self.url)

    def _item_done(self, item: Item) -> list[Event]:
        kind = item.get("type")
        if kind == "function_call":
            call = self._call(item)
            return [ToolCallRequested(call)]
        if kind == "web_search_call":
            self.last_search = item.get("id")
            action = item.get("action") or {}
            sources = [Source(s["url"]) for s in action.get("sources") or [] if s.get("url")]
            return [BuiltinToolEvent("web_search", _status(item), call_id=item.get("id"),
                                     query=action.get("query"), sources=sources,
                                     data={"action": action})]
        if kind == "code_interpreter_call":
            outputs = item.get("outputs") or []
            logs = "".join(o.get("logs", "") for o in outputs if o.get("type") == "logs")
            images = [o["url"] for o in outputs if o.get("type") == "image" and o.get("url")]
            return [BuiltinToolEvent("code_interpreter", _status(item), call_id=item.get("id"),
                                     code=item.get("code"), stdout=logs or None,
                                     data={"container_id": item.get("container_id"),
                                           "images": images})]
        if kind == "image_generation_call":
            return [self._image_saved(item)]
        if kind == "message":
            citations = [a for c in item.get("content") or []
                         for a in c.get("annotations") or [] if a.get("type") == "url_citation"]
            if citations:
                # Citations arrive with the answer, after the searches: report them as the
                # sources the answer actually used.
                return [BuiltinToolEvent(
                    "web_search", "completed", call_id=self.last_search, name="citations",
                    sources=[Source(a["url"], a.get("title")) for a in citations],
                    data={"citations": citations})]
        return []

    def _image_saved(self, item: Item) -> BuiltinToolEvent:
        """The generated image, written under the agent's cwd (small: done inline)."""
        result, call_id = item.get("result"), item.get("id") or "image"
        data: dict[str, Any] = {"revised_prompt": item.get("revised_prompt")}
        if not result or item.get("status") == "failed":
            return BuiltinToolEvent("image_generation", "failed", call_id=call_id,
                                    data={**data, "error": item.get("error")})
        folder = Path(self.images_dir or ".").expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{call_id}.{item.get('output_format') or 'png'}"
        path.write_bytes(base64.b64decode(result))
        return BuiltinToolEvent("image_generation", "completed", call_id=call_id,
                                data={**data, "path": str(path.resolve())})

    def _call_id(self, item: Item) -> str:
        """A function call's id (an id-less one numbered as it is kept)."""
        return item.get("call_id") or item.get("id") or f"call_{len(self.calls)}"

    def _call(self, item: Item) -> ToolCallPart:
        call_id = self._call_id(item)
        if call_id not in self.calls:
            self.calls[call_id] = ToolCallPart(
                call_id, item.get("name", ""), parse_arguments(item.get("arguments") or ""),
                provider=self.backend, provider_data={"id": item.get("id")})
        return self.calls[call_id]

    def finish(self) -> list[Event]:
        if self.final is None:
            raise StreamError(f"the stream from {self.url} ended before response.completed")
        final = self.final
        final_output = list(final.get("output") or [])
        items = final_output or [self.items[i] for i in sorted(self.items)]
        events: list[Event] = []
        parts: list[Part] = []
        refused = False
        for item in items:
            kind, item_id = item.get("type"), item.get("id") or ""
            if kind == "reasoning":
                text = self.reasoning.get(item_id)
                if text is None:  # nothing streamed (e.g. replayed JSON): report it now
                    text = "\n\n".join(s.get("text", "") for s in item.get("summary") or [])
                    if text:
                        events.append(ReasoningDelta(text))
                parts.append(ReasoningPart(text, item.get("encrypted_content"), self.backend))
            elif kind == "message":
                content = item.get("content") or []
                refused = refused or any(c.get("type") == "refusal" for c in content)
                text = self.text.get(item_id)
                if text is None:
                    text = "".join(c.get("text") or c.get("refusal") or "" for c in content)
                    if text:
                        events.append(TextDelta(text))
                parts.append(TextPart(text))
            elif kind == "function_call":
                known = item.get("call_id") in self.calls
                call = self._call(item)
                parts.append(call)
                if not known:
                    events.append(ToolCallRequested(call))
            elif kind in ("web_search_call", "code_interpreter_call", "image_generation_call"):
                tool = kind.removesuffix("_call")
                parts.append(BuiltinToolPart(tool, item_id, self.backend, item))
        usage = _usage(final.get("usage"))
        events.append(UsageEvent(usage))
        message = AssistantMessage(parts, provider=self.backend,
                                   provider_data={"output": items, "response_id": final.get("id")})
        events.append(Done(message, self._stop(final, message, refused), usage))
        return events

    def _stop(self, final: Item, message: AssistantMessage, refused: bool) -> Any:
        details = final.get("incomplete_details")
        if final.get("status") == "incomplete" and details is not None:
            return _INCOMPLETE.get(details.get("reason") or "", "max_tokens")
        if message.tool_calls:
            return "tool_calls"
        return "refusal" if refused else "end_turn"


def _in_progress(tool: Any) -> Callable[[_Turn, Any], list[Event]]:
    return lambda turn, event: [BuiltinToolEvent(tool, "in_progress",
                                                 call_id=event.get("item_id"))]


# Event types the turn reads; any other type is skipped, as the SDK path skips it.
_EVENTS: dict[Any, Callable[[_Turn, Any], list[Event]]] = {
    "response.output_text.delta": _Turn._text_delta,
    "response.refusal.delta": _Turn._text_delta,
    "response.reasoning_summary_text.delta": _Turn._summary_delta,
    "response.reasoning_summary_part.added": _Turn._summary_part,
    "response.output_item.added": _Turn._item_added,
    "response.function_call_arguments.delta": _Turn._arguments_delta,
    "response.web_search_call.searching": _in_progress("web_search"),
    "response.code_interpreter_call.interpreting": _in_progress("code_interpreter"),
    "response.image_generation_call.generating": _in_progress("image_generation"),
    "response.output_item.done": _Turn._output_item_done,
    "response.completed": _Turn._final,
    "response.incomplete": _Turn._final,
    "response.failed": _Turn._failed,
    "error": _Turn._error,
}


def _started(item: Item) -> list[Event]:
    kind = item.get("type")
    if kind in ("web_search_call", "code_interpreter_call", "image_generation_call"):
        return [BuiltinToolEvent(kind.removesuffix("_call"), "started", call_id=item.get("id"))]
    return []


def _status(item: Item) -> Any:
    return "failed" if item.get("status") in ("failed", "incomplete") else "completed"


def _usage(u: Item | None) -> Usage:
    if u is None:
        return Usage(requests=1)
    return Usage(
        input_tokens=u.get("input_tokens") or 0,
        output_tokens=u.get("output_tokens") or 0,
        cached_tokens=(u.get("input_tokens_details") or {}).get("cached_tokens") or 0,
        reasoning_tokens=(u.get("output_tokens_details") or {}).get("reasoning_tokens") or 0,
        requests=1,
    )
