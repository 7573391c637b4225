"""An OpenAI Responses API simulator: ``POST {prefix}/responses``, streamed or not.

The event sequence follows recorded real streams (``shared/cassettes/openai_responses``):
``response.created``, ``response.in_progress``, then per output item ``output_item.added``,
its own events, ``output_item.done``, and last ``response.completed`` (or
``response.incomplete``) carrying the whole response with usage. Every event has ``type``
and ``sequence_number``. Output items come in the order the real API uses: reasoning,
built-in tool calls, the message, then function calls.

Like the real API, it honours the request: reasoning summaries stream only when
``reasoning.summary`` is set, ``encrypted_content`` appears only when ``include`` asks for
``reasoning.encrypted_content``, and likewise web search sources and code interpreter logs.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from .script import BuiltinSpec, RawResponse, Reply, estimate_tokens, split_text
from .server import RecordedRequest, Response, Simulator, json_response, sse
from .structured import responses_problem

Event = dict[str, Any]
_ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error",
                403: "invalid_request_error", 404: "invalid_request_error",
                429: "requests", 500: "server_error", 503: "server_error"}
_ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded", 500: "server_error",
                503: "server_error"}
_INCOMPLETE = {"max_tokens": "max_output_tokens", "content_filter": "content_filter"}


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}{uuid.uuid4().hex[:16]}"


class ResponsesSimulator(Simulator):
    """Serves ``POST {any prefix}/responses``, ``POST {prefix}/audio/speech`` (the Speech
    API: ``speech_audio``) and ``GET {prefix}/models``.

    ``stream_error`` is what ``Fault(error_after=n)`` sends after ``n`` events: a
    ``response.failed`` event (the model failed) or a bare ``error`` event.
    """

    def __init__(self, *script: Any, models: tuple[str, ...] = ("sim-model",),
                 stream_error: Literal["response.failed", "error"] = "response.failed",
                 default: Any = None) -> None:
        super().__init__(*script, default=default)
        self.models = models
        self.stream_error = stream_error
        self._request_ids = itertools.count(1)
        self.speech_audio = b"ID3\x04\x00simulated-mp3"  # what POST /audio/speech returns

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def route(self, request: RecordedRequest) -> Response:
        if request.method == "GET" and request.path.endswith("/models"):
            return json_response({"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "simulator"}
                for m in self.models]})
        if request.method == "POST" and request.path.endswith("/responses"):
            return self.create(request)
        if request.method == "POST" and request.path.endswith("/audio/speech"):
            # OpenAI's Speech API: the audio itself, not JSON.
            return Response(200, {"content-type": "audio/mpeg"}, self.speech_audio)
        return self.error_response(404, f"no route for {request.method} {request.path}")

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"error": {"message": message,
                                        "type": _ERROR_TYPES.get(status, "api_error"),
                                        "param": None, "code": _ERROR_CODES.get(status)}},
                             status, {"x-request-id": f"req_sim{next(self._request_ids)}"})

    def create(self, request: RecordedRequest) -> Response:
        if problem := responses_problem(request.body):
            return self.error_response(400, problem)
        reply = self.next_reply(request)
        if isinstance(reply, RawResponse):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            return Response(reply.status, reply.headers, raw)
        body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
        render = _Render(reply, body, reply.model or body.get("model") or self.models[0])
        if not body.get("stream"):
            return self.apply_fault(json_response(render.final_response()), reply.fault)
        fault = reply.fault
        events: Iterable[bytes] = render.events()
        if fault is not None and fault.error_after is not None:
            # The error event needs the stream's next sequence number, so it is made here
            # rather than by the shared fault machinery.
            events = render.cut(fault.error_after, fault.message, self.stream_error)
            fault = dataclasses.replace(fault, error_after=None)
        resp = Response(200, {"content-type": "text/event-stream; charset=utf-8"},
                        events=events, chunk_delay=reply.chunk_delay)
        return self.apply_fault(resp, fault)


class _Render:
    """One reply rendered as Responses output items and the events that stream them."""

    def __init__(self, reply: Reply, body: dict[str, Any], model: str) -> None:
        self.reply, self.body, self.model = reply, body, model
        self.include = set(body.get("include") or [])
        self.response_id = _id("resp")
        self.created_at = int(time.time())
        self.seq = itertools.count()
        self.output: list[Event] = []
        self.obfuscate = (body.get("stream_options") or {}).get("include_obfuscation", True)

    # the response object -----------------------------------------------------------------
    def response(self, status: str, *, usage: dict[str, Any] | None = None,
                 error: dict[str, Any] | None = None,
                 incomplete: str | None = None) -> dict[str, Any]:
        b = self.body
        reasoning = b.get("reasoning") or {}
        return {
            "id": self.response_id, "object": "response", "created_at": self.created_at,
            "status": status, "background": False, "error": error,
            "incomplete_details": {"reason": incomplete} if incomplete else None,
            "instructions": b.get("instructions"),
            "max_output_tokens": b.get("max_output_tokens"), "max_tool_calls": None,
            "model": self.model, "output": list(self.output),
            "parallel_tool_calls": b.get("parallel_tool_calls", True),
            "previous_response_id": b.get("previous_response_id"), "prompt_cache_key": None,
            "reasoning": {"effort": reasoning.get("effort"),
                          "summary": reasoning.get("summary")},
            "safety_identifier": None, "service_tier": b.get("service_tier") or "default",
            "store": b.get("store", True), "temperature": b.get("temperature", 1.0),
            "text": {"format": {"type": "text"},
                     "verbosity": (b.get("text") or {}).get("verbosity", "medium")},
            "tool_choice": b.get("tool_choice", "auto"), "tools": b.get("tools") or [],
            "top_logprobs": 0, "top_p": b.get("top_p", 1.0), "truncation": "disabled",
            "usage": usage, "user": None, "metadata": {},
        }

    def usage(self) -> dict[str, Any]:
        r, u = self.reply, self.reply.usage or {}
        prompt = u.get("input", estimate_tokens(json.dumps(self.body.get("input", ""))))
        reasoning = u.get("reasoning", estimate_tokens(r.reasoning))
        output = u.get("output", estimate_tokens(r.text) + reasoning + 10 * len(r.tool_calls))
        return {"input_tokens": prompt,
                "input_tokens_details": {"cached_tokens": u.get("cached", 0)},
                "output_tokens": output,
                "output_tokens_details": {"reasoning_tokens": reasoning},
                "total_tokens": prompt + output}

    def final_response(self) -> dict[str, Any]:
        for _ in self.items():  # fills self.output
            pass
        incomplete = _INCOMPLETE.get(self.reply.stop_reason or "")
        return self.response("incomplete" if incomplete else "completed",
                             usage=self.usage(), incomplete=incomplete)

    # the stream --------------------------------------------------------------------------
    def event(self, kind: str, **fields: Any) -> bytes:
        if kind.endswith(".delta") and self.obfuscate:
            # Real streams pad deltas with random characters so that packet sizes do not
            # reveal token lengths (turned off by stream_options.include_obfuscation=false).
            fields["obfuscation"] = uuid.uuid4().hex[:max(1, 16 - len(fields["delta"]))]
        return sse({"type": kind, "sequence_number": next(self.seq), **fields}, event=kind)

    def events(self) -> Iterator[bytes]:
        yield self.event("response.created", response=self.response("in_progress"))
        yield self.event("response.in_progress", response=self.response("in_progress"))
        for kind, fields in self.items():
            yield self.event(kind, **fields)
        incomplete = _INCOMPLETE.get(self.reply.stop_reason or "")
        final = self.response("incomplete" if incomplete else "completed",
                              usage=self.usage(), incomplete=incomplete)
        yield self.event("response.incomplete" if incomplete else "response.completed",
                         response=final)

    def cut(self, after: int, message: str, style: str) -> Iterator[bytes]:
        yield from itertools.islice(self.events(), after)
        if style == "error":
            yield self.event("error", code="server_error", message=message, param=None)
        else:
            error = {"code": "server_error", "message": message}
            yield self.event("response.failed", response=self.response("failed", error=error))

    # output items ------------------------------------------------------------------------
    def items(self) -> Iterator[tuple[str, Event]]:
        r = self.reply
        if r.reasoning or r.reasoning_signature:
            yield from self._reasoning(len(self.output))
        for spec in r.builtins:
            if spec.tool == "web_search":
                yield from self._web_search(spec, len(self.output))
            elif spec.tool == "image_generation":
                yield from self._image_generation(spec, len(self.output))
            else:  # this API's only code tool is the code interpreter
                yield from self._code_interpreter(spec, len(self.output))
        if r.text:
            yield from self._message(len(self.output))
        for call in r.tool_calls:
            yield from self._function_call(call, len(self.output))

    def _pieces(self, text: str) -> list[str]:
        return split_text(text, self.reply.chunk_size)

    def _reasoning(self, index: int) -> Iterator[tuple[str, Event]]:
        r = self.reply
        item: Event = {"id": _id("rs"), "type": "reasoning", "summary": []}
        if "reasoning.encrypted_content" in self.include:
            item["encrypted_content"] = r.reasoning_signature or "gAAAAAB" + uuid.uuid4().hex
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        summary = (self.body.get("reasoning") or {}).get("summary")
        if summary and r.reasoning:
            ref = {"item_id": item["id"], "output_index": index, "summary_index": 0}
            yield "response.reasoning_summary_part.added", {
                **ref, "part": {"type": "summary_text", "text": ""}}
            for piece in self._pieces(r.reasoning):
                yield "response.reasoning_summary_text.delta", {**ref, "delta": piece}
            yield "response.reasoning_summary_text.done", {**ref, "text": r.reasoning}
            part = {"type": "summary_text", "text": r.reasoning}
            yield "response.reasoning_summary_part.done", {**ref, "part": part}
            item["summary"] = [part]
        yield "response.output_item.done", {"output_index": index, "item": item}

    def _web_search(self, spec: BuiltinSpec, index: int) -> Iterator[tuple[str, Event]]:
        item: Event = {"id": spec.id or _id("ws"), "type": "web_search_call",
                       "status": "in_progress"}
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        ref = {"output_index": index, "item_id": item["id"]}
        for stage in ("in_progress", "searching", "completed"):
            yield f"response.web_search_call.{stage}", ref
        action: Event = {"type": "search", "query": spec.query or ""}
        if "web_search_call.action.sources" in self.include:
            action["sources"] = [{"type": "url", "url": url} for url, _ in spec.sources]
        item.update(status="completed", action=action)
        yield "response.output_item.done", {"output_index": index, "item": item}

    def _code_interpreter(self, spec: BuiltinSpec, index: int) -> Iterator[tuple[str, Event]]:
        code = spec.code or ""
        item: Event = {"id": spec.id or _id("ci"), "type": "code_interpreter_call",
                       "status": "in_progress", "code": "", "container_id": _id("cntr"),
                       "outputs": None}
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        ref = {"output_index": index, "item_id": item["id"]}
        yield "response.code_interpreter_call.in_progress", ref
        for piece in self._pieces(code):
            yield "response.code_interpreter_call_code.delta", {**ref, "delta": piece}
        yield "response.code_interpreter_call_code.done", {**ref, "code": code}
        yield "response.code_interpreter_call.interpreting", ref
        yield "response.code_interpreter_call.completed", ref
        outputs = None
        if "code_interpreter_call.outputs" in self.include:
            outputs = [{"type": "logs", "logs": spec.stdout + spec.stderr}]
        item.update(status="completed", code=code, outputs=outputs)
        yield "response.output_item.done", {"output_index": index, "item": item}

    def _image_generation(self, spec: BuiltinSpec, index: int) -> Iterator[tuple[str, Event]]:
        item: Event = {"id": spec.id or _id("ig"), "type": "image_generation_call",
                       "status": "in_progress"}
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        ref = {"output_index": index, "item_id": item["id"]}
        yield "response.image_generation_call.in_progress", ref
        yield "response.image_generation_call.generating", ref
        yield "response.image_generation_call.completed", ref
        item.update(status="completed", result=spec.image or "", output_format="png",
                    revised_prompt=spec.query)
        yield "response.output_item.done", {"output_index": index, "item": item}

    def _citations(self) -> list[Event]:
        text = self.reply.text
        return [{"type": "url_citation", "start_index": 0, "end_index": len(text), "url": url,
                 "title": title}
                for spec in self.reply.builtins if spec.tool == "web_search"
                for url, title in spec.sources]

    def _message(self, index: int) -> Iterator[tuple[str, Event]]:
        text = self.reply.text
        item: Event = {"id": _id("msg"), "type": "message", "status": "in_progress",
                       "content": [], "role": "assistant"}
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        ref = {"item_id": item["id"], "output_index": index, "content_index": 0}
        empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        yield "response.content_part.added", {**ref, "part": empty}
        for piece in self._pieces(text):
            yield "response.output_text.delta", {**ref, "delta": piece, "logprobs": []}
        annotations = self._citations()
        for n, annotation in enumerate(annotations):
            yield "response.output_text.annotation.added", {
                **ref, "annotation_index": n, "annotation": annotation}
        yield "response.output_text.done", {**ref, "text": text, "logprobs": []}
        part = {"type": "output_text", "annotations": annotations, "logprobs": [], "text": text}
        yield "response.content_part.done", {**ref, "part": part}
        item.update(status="completed", content=[part])
        yield "response.output_item.done", {"output_index": index, "item": item}

    def _function_call(self, call: Any, index: int) -> Iterator[tuple[str, Event]]:
        args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        item: Event = {"id": _id("fc"), "type": "function_call", "status": "in_progress",
                       "arguments": "", "call_id": call.id or _id("call"), "name": call.name}
        self.output.append(item)
        yield "response.output_item.added", {"output_index": index, "item": dict(item)}
        ref = {"item_id": item["id"], "output_index": index}
        for i in range(0, len(args), call.chunk_size):
            yield "response.function_call_arguments.delta", {
                **ref, "delta": args[i:i + call.chunk_size]}
        yield "response.function_call_arguments.done", {**ref, "arguments": args}
        item.update(status="completed", arguments=args)
        yield "response.output_item.done", {"output_index": index, "item": item}
