"""An OpenAI Chat Completions simulator (also the shape of every OpenAI-compatible server).

Chunk shapes follow recorded real streams (``shared/cassettes/openai_chat``): a first chunk
with ``role``, content or ``reasoning_content`` deltas, tool calls opened with ``id``/``name``
and continued by argument fragments, a chunk with ``finish_reason``, then, when
``stream_options.include_usage`` is set, a usage chunk with empty ``choices``, then ``[DONE]``.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any, Literal

from .script import RawResponse, Reply, estimate_tokens, split_text
from .server import RecordedRequest, Response, Simulator, json_response, sse
from .structured import chat_completions_problem, llama_cpp_problem, provider_problem

_FINISH = {"end_turn": "stop", "max_tokens": "length", "tool_calls": "tool_calls",
           "content_filter": "content_filter", "stop_sequence": "stop"}
_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
                429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


class ChatCompletionsSimulator(Simulator):
    """Serves ``POST {any prefix}/chat/completions`` and ``GET {prefix}/models``.

    ``reasoning_field`` is the delta key carrying reasoning: ``reasoning_content`` (DeepSeek,
    Z AI, vLLM) or ``reasoning`` (OpenRouter, Groq).

    ``azure_api_version`` makes it answer like an Azure OpenAI resource: chat requests must
    use ``/openai/deployments/{deployment}/chat/completions?api-version=<that version>`` and
    an ``api-key`` header, else Azure's 404 / 401 error bodies come back.
    ``owned_by`` is what ``/models`` reports as the serving engine (vLLM says ``vllm``,
    SGLang ``sglang``).

    ``dialect="llama_cpp"`` streams the way llama-cpp-python's server does (checked against
    the real server in ``tests/local``): the first delta carries ``role`` only, chunks have
    no ``usage`` or ``system_fingerprint`` key, and no usage chunk comes even when
    ``stream_options.include_usage`` asks for one (the server ignores ``stream_options``),
    and ``Fault(error_after=n)`` ends the stream after n events with nothing more (no error
    event, no ``[DONE]``), as the server does when generation fails.

    ``response_formats`` and ``tool_choices`` narrow what a provider takes, as its docs say
    (e.g. a model without ``json_schema``, an endpoint taking ``tool_choice: auto`` only;
    ``"function"`` stands for a named one): anything else is refused with a 400.
    """

    def __init__(self, *script: Any, models: tuple[str, ...] = ("sim-model",),
                 reasoning_field: str = "reasoning_content", default: Any = None,
                 azure_api_version: str | None = None, owned_by: str = "simulator",
                 dialect: Literal["openai", "llama_cpp"] = "openai",
                 response_formats: frozenset[str] = frozenset(
                     {"text", "json_object", "json_schema"}),
                 tool_choices: frozenset[str] = frozenset(
                     {"none", "auto", "required", "function"})) -> None:
        super().__init__(*script, default=default)
        self.response_formats = response_formats
        self.tool_choices = tool_choices
        self.models = models
        self.reasoning_field = reasoning_field
        self.azure_api_version = azure_api_version
        self.owned_by = owned_by
        self.dialect = dialect
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def route(self, request: RecordedRequest) -> Response:
        if request.method == "GET" and request.path.endswith("/models"):
            return json_response({"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": self.owned_by}
                for m in self.models]})
        if request.method == "POST" and request.path.endswith("/chat/completions"):
            refused = self._azure_refusal(request) if self.azure_api_version else None
            if refused is not None:
                return refused
            return self.completion(request)
        return self.error_response(404, f"no route for {request.method} {request.path}")

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"error": {"message": message,
                                        "type": _ERROR_TYPES.get(status, "api_error"),
                                        "param": None, "code": None}}, status,
                             {"x-request-id": f"req_sim_{next(self._ids)}"})

    def error_event(self, message: str) -> bytes:
        if self.dialect == "llama_cpp":
            # llama-cpp-python ends the stream without an error event or [DONE] when
            # generation fails (e.g. a prompt over n_ctx); the reason goes to its log only.
            return b""
        return super().error_event(message)

    def _azure_refusal(self, request: RecordedRequest) -> Response | None:
        # Azure's own error bodies: {"error": {"code": "<status>", "message": ...}}.
        if not request.header("api-key"):
            return json_response({"error": {"code": "401", "message": (
                "Access denied due to invalid subscription key or wrong API endpoint. Make "
                "sure to provide a valid key for an active subscription and use a correct "
                "regional API endpoint for your resource.")}}, 401)
        parts = request.path.strip("/").split("/")
        shape_ok = (len(parts) == 5 and parts[:2] == ["openai", "deployments"]
                    and parts[3:] == ["chat", "completions"])
        if not shape_ok or request.query.get("api-version") != [self.azure_api_version]:
            return json_response({"error": {"code": "404",
                                            "message": "Resource not found"}}, 404)
        return None

    def completion(self, request: RecordedRequest) -> Response:
        if self.dialect == "llama_cpp" and (problem := llama_cpp_problem(request.body)):
            return self.error_response(422, problem)
        if problem := (provider_problem(request.body, self.response_formats, self.tool_choices)
                       or chat_completions_problem(request.body)):
            return self.error_response(400, problem)
        reply = self.next_reply(request)
        if isinstance(reply, RawResponse):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            return Response(reply.status, reply.headers, raw)
        body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
        model = reply.model or body.get("model") or self.models[0]
        cid = f"chatcmpl-sim{next(self._ids)}"
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            resp = Response(200, {"content-type": "text/event-stream; charset=utf-8"},
                            events=self._events(reply, body, cid, model, include_usage),
                            chunk_delay=reply.chunk_delay)
        else:
            resp = json_response(self._completion(reply, body, cid, model))
        return self.apply_fault(resp, reply.fault)

    # rendering -----------------------------------------------------------------------------
    def _usage(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        u = reply.usage or {}
        prompt = u.get("input", estimate_tokens(json.dumps(body.get("messages", []))))
        completion = u.get("output", estimate_tokens(reply.text + reply.reasoning)
                           + 10 * len(reply.tool_calls))
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": u.get("cached", 0)},
                "completion_tokens_details": {"reasoning_tokens": u.get("reasoning", 0)}}

    def _finish(self, reply: Reply) -> str:
        if reply.stop_reason:
            return _FINISH.get(reply.stop_reason, reply.stop_reason)
        return "tool_calls" if reply.tool_calls else "stop"

    def _chunk(self, cid: str, model: str, delta: dict[str, Any] | None,
               finish: str | None = None, usage: dict[str, Any] | None = None) -> bytes:
        choices = [] if delta is None else [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        chunk = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": model, "system_fingerprint": "fp_sim", "choices": choices,
                 "usage": usage}
        if self.dialect == "llama_cpp":
            del chunk["system_fingerprint"], chunk["usage"]
        return sse(chunk)

    def _events(self, reply: Reply, body: dict[str, Any], cid: str, model: str,
                include_usage: bool) -> Iterator[bytes]:
        llama = self.dialect == "llama_cpp"
        first = {"role": "assistant"} if llama else {"role": "assistant", "content": ""}
        yield self._chunk(cid, model, first)
        for piece in split_text(reply.reasoning, reply.chunk_size):
            yield self._chunk(cid, model, {"content": None, self.reasoning_field: piece})
        for piece in split_text(reply.text, reply.chunk_size):
            yield self._chunk(cid, model, {"content": piece})
        for index, call in enumerate(reply.tool_calls):
            args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            yield self._chunk(cid, model, {"tool_calls": [{
                "index": index, "id": call.id or f"call_sim_{next(self._ids)}",
                "type": "function", "function": {"name": call.name, "arguments": ""}}]})
            for i in range(0, len(args), call.chunk_size):
                yield self._chunk(cid, model, {"tool_calls": [{
                    "index": index, "function": {"arguments": args[i:i + call.chunk_size]}}]})
        yield self._chunk(cid, model, {}, self._finish(reply))
        if include_usage and not llama:
            yield self._chunk(cid, model, None, usage=self._usage(reply, body))
        yield b"data: [DONE]\n\n"

    def _completion(self, reply: Reply, body: dict[str, Any], cid: str, model: str
                    ) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.reasoning:
            message[self.reasoning_field] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": c.id or f"call_sim_{next(self._ids)}", "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments
                              if isinstance(c.arguments, str) else json.dumps(c.arguments)}}
                for c in reply.tool_calls]
        completion: dict[str, Any] = {
            "id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "system_fingerprint": "fp_sim",
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": self._finish(reply)}],
            "usage": self._usage(reply, body)}
        if self.dialect == "llama_cpp":
            del completion["system_fingerprint"]
            for detail in ("prompt_tokens_details", "completion_tokens_details"):
                del completion["usage"][detail]
        return completion
