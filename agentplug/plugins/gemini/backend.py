"""The ``gemini`` backend's runtime: ``genai.Client().aio.models.generate_content_stream``.

Automatic function calling stays off: agentplug runs the tools. google-genai does not retry
unless given ``HttpRetryOptions``, so ``max_retries`` (default 2, like the other SDKs) always
becomes one; its timeout is in milliseconds. Its clients are built on the fast path's
transport (``wire.Tap``), so google-genai uses httpx2, as the openai and anthropic SDKs do,
on both paths (with aiohttp installed it would otherwise use aiohttp, whose timeout bounds
the whole stream rather than each read). A turn reads each chunk as the wire's JSON dict: off
the wire on the fast path, the SDK's model dumped by alias on the SDK path.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import json
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agentplug.core.errors import (
    BackendError, ProviderError, RateLimitError,
    StreamError, UnsupportedCapabilityError,
)
from agentplug.core.events import (
    BuiltinToolEvent, Done, Event, ReasoningDelta, Source, StopReason, TextDelta,
    ToolCallRequested, UsageEvent,
)
from agentplug.core.messages import (
    AssistantMessage, BuiltinToolPart, Message, Part, ReasoningPart, TextPart, ToolCallPart,
)
from agentplug.core.requirements import require
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef, checked_arguments
from agentplug.core.usage import Usage
from agentplug.formats import gemini as fmt
from agentplug.formats.structured import gemini_config, gemini_function_calling
from agentplug.sdk.backend import SDKBackend, sdk_dicts
from agentplug.sdk.errors import ErrorRule
from . import combine_error, combines_builtin_tools, thinks
from .params import GeminiParams

JSON = dict[str, Any]
_FINISH: dict[str, StopReason] = {"STOP": "end_turn", "MAX_TOKENS": "max_tokens",
                                  "SAFETY": "content_filter", "RECITATION": "content_filter",
                                  "BLOCKLIST": "content_filter", "SPII": "content_filter",
                                  "PROHIBITED_CONTENT": "content_filter",
                                  "IMAGE_SAFETY": "content_filter"}
_DEFAULT_RETRIES = 2


def genai_module() -> Any:
    return require("google.genai", "gemini")


class GeminiBackend(SDKBackend):
    params: GeminiParams
    resource = "aio.models"
    default_base_url = "https://generativelanguage.googleapis.com"

    def client_factory(self) -> Callable[..., Any]:
        genai_module()
        from .wire import gemini_client

        return gemini_client

    def load_sdk(self) -> None:
        _load_sdk()

    def error_rules(self) -> Sequence[ErrorRule]:
        return (genai_error,)

    @property
    def model(self) -> str:
        return str(self.model_name)  # the declaration names a default model

    def client_settings(self) -> dict[str, Any]:
        """google-genai's own shape: retries, timeout (in ms) and URL in ``http_options``."""
        p = self.params
        retries = _DEFAULT_RETRIES if p.max_retries is None else p.max_retries
        retry: JSON = {"attempts": retries + 1}
        if p.retry_initial_delay is not None:
            retry.update(initial_delay=p.retry_initial_delay, jitter=p.retry_initial_delay)
        http: JSON = {"api_version": p.api_version, "retry_options": retry}
        if p.base_url:
            http["base_url"] = p.base_url
        if p.timeout is not None:
            http["timeout"] = int(p.timeout * 1000)  # milliseconds
        if p.headers:
            http["headers"] = p.headers
        return {"api_key": self.api_key(), "vertexai": False, "http_options": http}

    def url_of(self, client: Any) -> str:
        return str(self.base_url())

    def map_error(self, exc: BaseException, url: str) -> BackendError:
        mapped = super().map_error(exc, url)
        _release(exc)
        return mapped

    def build_config(self, messages: Sequence[Message], tools: Sequence[ToolDef]) -> JSON:
        p = self.params
        config: JSON = {"automatic_function_calling": {"disable": True}}
        if system := fmt.system_instruction(messages):
            config["system_instruction"] = system
        tool_list: list[JSON] = []
        if tools:
            tool_list.append({"function_declarations": fmt.function_declarations(tools)})
        builtins = [f for f in ("enable_web_search", "enable_code_execution") if getattr(p, f)]
        if p.enable_web_search:
            tool_list.append({"google_search": {}})
        if p.enable_code_execution:
            tool_list.append({"code_execution": {}})
        if tools and builtins:
            if not combines_builtin_tools(self.model):
                raise UnsupportedCapabilityError(self.name, builtins[0], combine_error(
                    self.model, builtins, "function/MCP tools"))
            config["tool_config"] = {"include_server_side_tool_invocations": True}
        if tool_list:
            config["tools"] = tool_list
        if p.enable_image_generation:
            config["response_modalities"] = ["TEXT", "IMAGE"]
        # Image models take no thinking config unless one is asked for.
        include = p.include_thoughts if p.include_thoughts is not None else (
            thinks(self.model) and not p.enable_image_generation)
        thinking: JSON = {}
        if include:
            thinking["include_thoughts"] = True
        if p.thinking_budget is not None:
            thinking["thinking_budget"] = p.thinking_budget
        if p.thinking_level is not None:
            thinking["thinking_level"] = p.thinking_level.upper()
        if thinking:
            config["thinking_config"] = thinking
        if p.max_tokens is not None:
            config["max_output_tokens"] = p.max_tokens
        for key in ("temperature", "top_p", "top_k", "stop_sequences", "seed"):
            if (value := getattr(p, key)) is not None:
                config[key] = value
        if p.safety_settings:
            config["safety_settings"] = [{"category": c, "threshold": t}
                                         for c, t in p.safety_settings.items()]
        return config

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        contents = fmt.contents(messages, self.name,
                                sign_foreign_calls=self.model.startswith("gemini-3"))
        return {"model": self.model, "contents": contents,
                "config": self.build_config(messages, tools)}

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        request["config"].update(gemini_config(output))

    def force_tool(self, request: dict[str, Any], output: OutputSpec, alone: bool) -> None:
        config = request["config"]
        names = [d["name"] for t in config.get("tools", ())
                 for d in t.get("function_declarations", ())]
        config["tool_config"] = {**config.get("tool_config", {}), "function_calling_config":
                                 gemini_function_calling(output, [] if alone else names)}

    def new_turn(self, url: str) -> _Turn:
        return _Turn(self.name, url, images_dir=self.params.cwd)

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        stream = client.aio.models.generate_content_stream
        if self.fast_stream:
            from .wire import gemini_stream

            return gemini_stream(lambda config: stream(**{**request, "config": config}),
                                 request["config"], wire_dict)
        return sdk_dicts(contextlib.aclosing(await stream(**request)), wire_dict)


def wire_dict(chunk: Any) -> JSON:
    """An SDK chunk as the wire's JSON (camelCase, unset fields left out). Function-call
    arguments nested too deep are bounded first, as the turn bounds them on the fast path:
    pydantic refuses to dump a few hundred levels."""
    for candidate in chunk.candidates or ():
        for part in (candidate.content.parts if candidate.content else None) or ():
            if part.function_call is not None:
                part.function_call.args = checked_arguments(part.function_call.args or {})
    return chunk.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[no-any-return]


def _release(exc: BaseException) -> None:
    """Free the SDK's half-read response now, while the loop runs.

    On an error chunk google-genai raises from inside its stream without closing the HTTP
    response; the frames in the traceback keep that response's generators alive until the
    loop shuts down, which then fails to close them ("aclose(): asynchronous generator is
    already running"). Dropping those references and collecting lets them close one by one,
    normally. Only on the error path.
    """
    seen: BaseException | None = exc
    while seen is not None:
        seen.__traceback__ = None
        if hasattr(seen, "response"):  # google.genai.errors.APIError keeps the response
            seen.response = None
        seen = seen.__cause__ or seen.__context__
    gc.collect()  # the frames form reference cycles: free them before the loop ends


@functools.cache
def _load_sdk() -> None:
    """Import google-genai (~1 s) and build its response models off the event loop."""
    genai_module()
    from google.genai import types

    for model in (types.GenerateContentResponse, types.GenerateContentConfig, types.Content):
        model.model_rebuild()


class _Turn:
    """Accumulates streamed ``GenerateContentResponse`` chunks (each the wire's JSON dict)
    into events and a message."""

    _ids = itertools.count(1)

    def __init__(self, backend: str, url: str, images_dir: str | None = None) -> None:
        self.backend, self.url = backend, url
        self.images_dir = images_dir  # where generated images are saved (the agent's cwd)
        self.parts: list[JSON] = []  # the SDK's JSON form (snake_case), consecutive text merged
        self.calls: list[ToolCallPart] = []
        self.code: JSON | None = None  # the executable code awaiting its result
        self.finish_reason: str | None = None
        self.usage: JSON | None = None
        self.grounding: JSON | None = None
        self.blocked: str | None = None

    def feed(self, chunk: JSON) -> list[Event]:
        if (usage := chunk.get("usageMetadata")) is not None:
            self.usage = usage
        if (feedback := chunk.get("promptFeedback")) is not None and feedback.get(
                "blockReason"):
            self.blocked = str(feedback["blockReason"])
        events: list[Event] = []
        for candidate in chunk.get("candidates") or ():
            if (reason := candidate.get("finishReason")) is not None:
                self.finish_reason = str(reason)
            if (grounding := candidate.get("groundingMetadata")) is not None:
                self.grounding = grounding
            content = candidate.get("content")
            for part in (content.get("parts") if content is not None else None) or ():
                events.extend(self._part(part))
        return events

    def _part(self, part: JSON) -> list[Event]:
        if isinstance(fc := part.get("functionCall"), dict):
            # Bounded before the part is kept (it is replayed as it came): google-genai
            # cannot validate or serialize arguments nested a few hundred levels deep.
            part = {**part, "functionCall": {**fc, "args": checked_arguments(fc.get("args")
                                                                             or {})}}
        plain = part.keys() <= _PLAIN
        data = part if plain else stored_part(part)
        self._keep(data)
        if plain:
            return _text(part)
        for key in part:  # a part holds one kind of content, beside thought and signature
            if (handler := _PART_KINDS.get(key)) is not None:
                return handler(self, part, data)
        return _text(part)

    def _function_call(self, part: JSON, data: JSON) -> list[Event]:
        fc = part["functionCall"]
        call = ToolCallPart(fc.get("id") or f"{fmt.LOCAL_ID}{next(self._ids)}",
                            fc.get("name") or "", dict(fc.get("args") or {}),
                            provider=self.backend)
        self.calls.append(call)
        return [ToolCallRequested(call)]

    def _executable_code(self, part: JSON, data: JSON) -> list[Event]:
        self.code = data["executable_code"]
        return [BuiltinToolEvent("code_execution", "in_progress", code=self.code.get("code"),
                                 data={"language": self.code.get("language")})]

    def _code_result(self, part: JSON, data: JSON) -> list[Event]:
        result = data["code_execution_result"]
        ok = result.get("outcome") == "OUTCOME_OK"
        code = (self.code or {}).get("code")
        self.code = None
        return [BuiltinToolEvent("code_execution", "completed" if ok else "failed",
                                 code=code, stdout=result.get("output") or "",
                                 return_code=0 if ok else 1,
                                 data={"outcome": result.get("outcome")})]

    def _tool_call(self, part: JSON, data: JSON) -> list[Event]:
        # a server-side tool, with function calling (Gemini 3)
        tc = data["tool_call"]
        return [BuiltinToolEvent(_tool_kind(tc.get("tool_type")), "in_progress",
                                 call_id=tc.get("id"), name=tc.get("tool_type"),
                                 query=_query(tc.get("args") or {}), data=tc)]

    def _tool_response(self, part: JSON, data: JSON) -> list[Event]:
        tr = data["tool_response"]
        return [BuiltinToolEvent(_tool_kind(tr.get("tool_type")), "completed",
                                 call_id=tr.get("id"), name=tr.get("tool_type"), data=tr)]

    def _inline_data(self, part: JSON, data: JSON) -> list[Event]:
        blob = data["inline_data"]
        if (blob.get("mime_type") or "").startswith("image/") and not part.get("thought"):
            return [self._image_saved(blob)]
        return _text(part)

    def _image_saved(self, blob: JSON) -> BuiltinToolEvent:
        """A generated image, written under the agent's cwd (small: done inline)."""
        mime = blob.get("mime_type") or "image/png"
        ext = mime.split("/")[-1].replace("jpeg", "jpg")
        folder = Path(self.images_dir or ".").expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        path = (folder / f"gemini_image_{uuid.uuid4().hex[:12]}.{ext}").resolve()
        path.write_bytes(fmt.b64decode(blob.get("data") or ""))
        return BuiltinToolEvent("image_generation", "completed", call_id=path.stem,
                                data={"path": str(path), "mime_type": blob.get("mime_type")})

    def _keep(self, data: JSON) -> None:
        last = self.parts[-1] if self.parts else None
        mergeable = ("text" in data and last is not None and "text" in last
                     and bool(last.get("thought")) == bool(data.get("thought"))
                     and "thought_signature" not in last and len(data) <= 3)
        if mergeable and last is not None:
            last["text"] += data["text"]
            if "thought_signature" in data:
                last["thought_signature"] = data["thought_signature"]
        else:
            self.parts.append(dict(data))

    def finish(self) -> list[Event]:
        if self.finish_reason is None and self.blocked is None:
            raise StreamError(f"the stream from {self.url} ended without a finish reason")
        if self.finish_reason == "MALFORMED_FUNCTION_CALL":
            raise ProviderError("the model produced a malformed function call "
                                "(finishReason MALFORMED_FUNCTION_CALL)", retryable=True)
        events: list[Event] = []
        search = self._search_event()
        if search is not None:
            events.append(search)
        message = self._message(search)
        usage = _usage(self.usage)
        events.append(UsageEvent(usage))
        stop: StopReason = "content_filter" if self.blocked else _FINISH.get(
            self.finish_reason or "STOP", "end_turn")
        if stop == "end_turn" and message.tool_calls:
            stop = "tool_calls"
        events.append(Done(message, stop, usage))
        return events

    def _search_event(self) -> BuiltinToolEvent | None:
        g = self.grounding or {}
        queries = list(g.get("webSearchQueries") or [])
        sources = [Source(web["uri"], web.get("title")) for c in g.get("groundingChunks") or []
                   if (web := c.get("web")) is not None and web.get("uri")]
        if not queries and not sources:
            return None
        return BuiltinToolEvent("web_search", "completed", name="google_search",
                                query="; ".join(queries) or None, sources=sources,
                                data={"queries": queries})

    def _message(self, search: BuiltinToolEvent | None) -> AssistantMessage:
        parts: list[Part] = []
        calls = iter(self.calls)
        for data in self.parts:
            if "function_call" in data:
                parts.append(next(calls))
            elif "text" in data and data.get("thought"):
                parts.append(ReasoningPart(data["text"], data.get("thought_signature"),
                                           self.backend))
            elif "text" in data:
                if data["text"]:
                    parts.append(TextPart(data["text"]))
            elif "code_execution_result" in data or "tool_response" in data:
                kind = "code_execution" if "code_execution_result" in data else "web_search"
                parts.append(BuiltinToolPart(kind, str(len(parts)), self.backend, data))
        if search is not None:
            parts.append(BuiltinToolPart("web_search", "grounding", self.backend,
                                         {"queries": search.data["queries"],
                                          "sources": [s.url for s in search.sources]}))
        return AssistantMessage(parts, provider=self.backend,
                                provider_data={"parts": self.parts})


def _tool_kind(tool_type: str | None) -> Any:
    return "web_search" if tool_type and "SEARCH" in tool_type else "native_tool"


def _query(args: JSON) -> str | None:
    queries = args.get("queries") or args.get("query")
    if isinstance(queries, list):
        return "; ".join(map(str, queries))
    return str(queries) if queries else None


def _usage(u: JSON | None) -> Usage:
    if u is None:
        return Usage(requests=1)
    thoughts = u.get("thoughtsTokenCount") or 0
    return Usage(input_tokens=(u.get("promptTokenCount") or 0)
                 + (u.get("toolUsePromptTokenCount") or 0),
                 output_tokens=(u.get("candidatesTokenCount") or 0) + thoughts,
                 cached_tokens=u.get("cachedContentTokenCount") or 0, reasoning_tokens=thoughts,
                 requests=1)


def _text(part: JSON) -> list[Event]:
    if text := part.get("text"):
        return [ReasoningDelta(text) if part.get("thought") else TextDelta(text)]
    return []


# A part's kind is its content key; text (with ``thought``) is most parts and skips the table.
_PLAIN = frozenset({"text", "thought"})
_PART_KINDS: dict[str, Callable[[_Turn, JSON, JSON], list[Event]]] = {
    "functionCall": _Turn._function_call,
    "executableCode": _Turn._executable_code,
    "codeExecutionResult": _Turn._code_result,
    "toolCall": _Turn._tool_call,
    "toolResponse": _Turn._tool_response,
    "inlineData": _Turn._inline_data,
    "text": lambda turn, part, data: _text(part),
}


def stored_part(part: JSON) -> JSON:
    """A wire part in the SDK's JSON form (snake_case, signatures in URL-safe base64), as a
    model turn keeps it for replay: the same from the wire and from the SDK's model. Unknown
    fields are dropped first, as the SDK drops them before validating."""
    from google.genai import types

    known = _known(types.Part, part)
    return types.Part.model_validate(known).model_dump(  # type: ignore[no-any-return]
        mode="json", exclude_none=True)


def _known(model: Any, data: JSON) -> JSON:
    """``data`` with only the fields ``model`` declares (by name or alias), recursively."""
    fields = _fields(model)
    out: JSON = {}
    for key, value in data.items():
        if key not in fields:
            continue
        inner, many = fields[key]
        if inner is not None and isinstance(value, dict) and not many:
            value = _known(inner, value)
        elif inner is not None and isinstance(value, list) and many:
            value = [_known(inner, v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


@functools.cache
def _fields(model: Any) -> dict[str, tuple[Any, bool]]:
    """A model's field keys (names and aliases) -> (the nested model or None, a list of it)."""
    import typing

    import pydantic

    model.model_rebuild(raise_errors=False)
    out: dict[str, tuple[Any, bool]] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is typing.Union:
            annotation = typing.get_args(annotation)[0]
        many = typing.get_origin(annotation) is list
        if many:
            annotation = (typing.get_args(annotation) or (None,))[0]
        while typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        nested = annotation if isinstance(annotation, type) and issubclass(
            annotation, pydantic.BaseModel) else None
        out[name] = out[info.alias or name] = (nested, many)
    return out


def genai_error(exc: BaseException, url: str) -> BackendError | None:
    """google-genai's exceptions; the transport's are left to the shared table."""
    errors = require("google.genai.errors", "gemini")
    if isinstance(exc, (errors.UnknownApiResponseError, json.JSONDecodeError)):
        return StreamError(f"malformed chunk in the stream from {url}: {exc}")
    if isinstance(exc, errors.APIError):
        status = exc.code if isinstance(exc.code, int) else None
        cls = RateLimitError if status == 429 else ProviderError
        detail = f" [{exc.status}]" if exc.status else ""
        return cls(f"{exc.message or exc}{detail}", status=status,
                   body=getattr(exc, "details", None))
    return None
