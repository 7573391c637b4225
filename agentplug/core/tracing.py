"""OpenTelemetry spans per the GenAI semantic conventions; off by default, free when off.

Spans: ``invoke_agent <agent id>`` per turn (INTERNAL), ``chat <model>`` per model call
(CLIENT), ``execute_tool <tool>`` per tool call (INTERNAL), each a child of the turn, so a
tool's own spans (an MCP call, an HTTP request) nest under its ``execute_tool``. Prompt and
completion content is recorded only when asked for (``capture_content`` or
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``).

Nothing here imports ``opentelemetry`` until tracing is turned on (``enable()``, or
``AGENTPLUG_TRACING=1`` in the environment, which uses the global tracer provider).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

from .errors import MissingExtraError
from .events import Done, ErrorEvent, Event
from .messages import Message
from .pricing import FREE, PriceRef
from .usage import Usage

ENV_SWITCH = "AGENTPLUG_TRACING"
ENV_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_TRUE = {"1", "true", "yes", "on"}
_tracing: Tracing | None = None


def enable(tracer_provider: Any = None, *, capture_content: bool | None = None) -> Tracing:
    """Turn spans on, on ``tracer_provider`` (default: OpenTelemetry's global provider)."""
    global _tracing
    try:
        from opentelemetry import trace
    except ImportError:
        raise MissingExtraError("opentelemetry-api", "otel") from None
    from .. import __version__

    if capture_content is None:
        capture_content = os.environ.get(ENV_CONTENT, "").lower() in _TRUE
    tracer = trace.get_tracer("agentplug", __version__, tracer_provider=tracer_provider)
    _tracing = Tracing(tracer, capture_content)
    return _tracing


def disable() -> None:
    global _tracing
    _tracing = None


def active() -> Tracing | None:
    """The tracer when spans are on, else None (the cheap check every turn makes)."""
    if _tracing is None and os.environ.get(ENV_SWITCH, "").lower() in _TRUE:
        enable()
    return _tracing


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None, *, kind: str = "internal",
         carrier: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A span around any block, current inside it (so agent turns run in it nest under it);
    yields None and costs nothing when tracing is off. For code that drives agents: a batch
    task, a group-chat turn (``span("invoke_workflow batch", {"gen_ai.operation.name":
    "invoke_workflow"})``). ``carrier`` (from ``carrier()`` in another process) makes it a
    child of the span that was current there."""
    tracing = active()
    if tracing is None:
        yield None
        return
    remote = tracing.extract(carrier) if carrier else None
    with tracing.current(name, attributes, kind=kind, context=remote) as current:
        yield current


def carrier() -> dict[str, str]:
    """The current span as W3C trace-context headers, to hand to work that runs in another
    process (a Ray task) and pass to ``span(..., carrier=)`` there; empty when tracing is off."""
    tracing = active()
    return {} if tracing is None else tracing.inject()


class Tracing:
    """Span helpers for the Agent and for backends that run several calls (fallback)."""

    def __init__(self, tracer: Any, capture_content: bool) -> None:
        from opentelemetry import context, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self.tracer, self.capture_content = tracer, capture_content
        self._trace, self._context = trace, context
        self._kinds = {"internal": SpanKind.INTERNAL, "client": SpanKind.CLIENT}
        self._status, self._error = Status, StatusCode.ERROR

    # starting spans ------------------------------------------------------------------------
    def start(self, name: str, attributes: Mapping[str, Any], *, parent: Any = None,
              kind: str = "internal", context: Any = None) -> Any:
        ctx = context if parent is None else self._trace.set_span_in_context(parent)
        return self.tracer.start_span(name, context=ctx, kind=self._kinds[kind],
                                      attributes=_clean(attributes))

    @contextlib.contextmanager
    def current(self, name: str, attributes: Mapping[str, Any] | None = None, *,
                parent: Any = None, kind: str = "internal", context: Any = None
                ) -> Iterator[Any]:
        """A span that is the current one inside the block; an exception marks it failed."""
        started = self.start(name, attributes or {}, parent=parent, kind=kind, context=context)
        token = self._context.attach(self._trace.set_span_in_context(started))
        try:
            yield started
        except BaseException as exc:
            self.fail(started, exc)
            raise
        finally:
            self._context.detach(token)
            started.end()

    def inject(self) -> dict[str, str]:
        from opentelemetry.propagate import inject

        headers: dict[str, str] = {}
        inject(headers)
        return headers

    def extract(self, headers: Mapping[str, str]) -> Any:
        from opentelemetry.propagate import extract

        return extract(dict(headers))

    def agent(self, agent_id: str, ref: PriceRef, backend_type: str | None,
              system: str | None) -> Any:
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent_id,
            "gen_ai.provider.name": provider_name(ref, backend_type),
            "gen_ai.request.model": ref.model, "agentplug.backend": backend_type,
        }
        if self.capture_content and system:
            attrs["gen_ai.system_instructions"] = _json([{"type": "text", "content": system}])
        return self.start(f"invoke_agent {agent_id}", attrs)

    def chat(self, parent: Any, ref: PriceRef, backend: object,
             messages: Sequence[Message]) -> Any:
        params = getattr(backend, "params", None)
        spec = getattr(backend, "spec", None)
        backend_type = getattr(spec, "type", None)
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider_name(ref, backend_type),
            "gen_ai.request.model": ref.model, "agentplug.backend": backend_type,
            "gen_ai.request.temperature": getattr(params, "temperature", None),
            "gen_ai.request.max_tokens": getattr(params, "max_tokens", None),
        }
        url = urlsplit(getattr(params, "base_url", None) or "")
        if url.hostname:
            attrs["server.address"] = url.hostname
            attrs["server.port"] = url.port or (443 if url.scheme == "https" else 80)
        if self.capture_content:
            attrs["gen_ai.input.messages"] = _json([message_json(m) for m in messages])
        return self.start(f"chat {ref.model or backend_type or 'model'}", attrs, parent=parent,
                          kind="client")

    def tool(self, name: str, call_id: str | None, arguments: Any, parent: Any
             ) -> contextlib.AbstractContextManager[Any]:
        attrs: dict[str, Any] = {"gen_ai.operation.name": "execute_tool",
                                 "gen_ai.tool.name": name, "gen_ai.tool.call.id": call_id,
                                 "gen_ai.tool.type": "function"}
        if self.capture_content:
            attrs["gen_ai.tool.call.arguments"] = _json(arguments)
        return self.current(f"execute_tool {name}", attrs, parent=parent)

    # recording -------------------------------------------------------------------------------
    def usage(self, target: Any, usage: Usage) -> None:
        target.set_attributes(_clean({
            "gen_ai.usage.input_tokens": usage.input_tokens,
            "gen_ai.usage.output_tokens": usage.output_tokens,
            "gen_ai.usage.cache_read.input_tokens": usage.cached_tokens or None,
            "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens or None,
            "gen_ai.usage.reasoning.output_tokens": usage.reasoning_tokens or None,
            "agentplug.cost_usd": usage.cost_usd,
            "agentplug.cost": usage.cost_text() or None,
        }))

    def done(self, target: Any, done: Done) -> None:
        target.set_attribute("gen_ai.response.finish_reasons", [done.stop_reason])
        if self.capture_content:
            target.set_attribute("gen_ai.output.messages", _json([message_json(done.message)]))

    def tool_result(self, target: Any, output: str, is_error: bool) -> None:
        if self.capture_content:
            target.set_attribute("gen_ai.tool.call.result", output)
        if is_error:
            target.set_attribute("error.type", "tool_error")
            target.set_status(self._status(self._error, output[:200]))

    def fail(self, target: Any, error: BaseException | ErrorEvent) -> None:
        if isinstance(error, ErrorEvent):
            kind, message = error.error_type, error.message
        else:
            kind, message = type(error).__name__, str(error)
            target.record_exception(error)
        target.set_attribute("error.type", kind)
        target.set_status(self._status(self._error, message))

    async def within(self, target: Any, events: AsyncIterator[Event]) -> AsyncIterator[Event]:
        """``events`` with ``target`` current while each one is produced (so the SDK's and a
        backend's own spans nest under it), but never across a ``yield`` to the consumer."""
        ctx = self._trace.set_span_in_context(target)
        iterator = aiter(events)
        try:
            while True:
                token = self._context.attach(ctx)
                try:
                    event = await anext(iterator)
                except StopAsyncIteration:
                    return
                finally:
                    self._context.detach(token)
                yield event
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


# genai-prices provider ids whose name in the conventions' list of well-known providers differs.
_CONVENTION_NAMES = {"google": "gcp.gemini", "x-ai": "x_ai", "azure": "azure.ai.openai",
                     "mistral": "mistral_ai", "aws": "aws.bedrock"}


def provider_name(ref: PriceRef, backend_type: str | None) -> str:
    """``gen_ai.provider.name``: the conventions' name for the price table's provider, else
    the backend type (a self-hosted server)."""
    if ref.provider and ref.provider != FREE:
        return _CONVENTION_NAMES.get(ref.provider, ref.provider)
    return backend_type or "_OTHER"


def message_json(message: Message) -> dict[str, Any]:
    """A message in the conventions' shape: role and typed parts."""
    data = asdict(message)
    if "text" in data and "parts" not in data:  # a system message
        return {"role": data["role"], "parts": [{"type": "text", "content": data["text"]}]}
    parts: list[dict[str, Any]] = []
    for part in data.get("parts", ()):
        kind = part.get("kind")
        if kind == "text":
            parts.append({"type": "text", "content": part["text"]})
        elif kind == "reasoning":
            parts.append({"type": "reasoning", "content": part["text"]})
        elif kind == "tool_call":
            parts.append({"type": "tool_call", "id": part["id"], "name": part["name"],
                          "arguments": part["arguments"]})
        else:
            parts.append({"type": kind or "unknown"})
    if data.get("role") == "tool":
        response = " ".join(p.get("content", "") for p in parts if p["type"] == "text")
        return {"role": "tool", "parts": [{"type": "tool_call_response",
                                           "id": data["call_id"], "response": response}]}
    return {"role": data.get("role"), "parts": parts}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}
