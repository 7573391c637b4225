"""An Anthropic Messages API simulator: ``POST /v1/messages`` (``?beta=true`` too), streamed or not.

The stream follows recorded real traffic (``shared/cassettes/anthropic``): ``message_start``
(usage with cache fields), then per content block ``content_block_start``, its deltas
(``text_delta``, ``thinking_delta`` then one ``signature_delta``, ``input_json_delta`` starting
with an empty fragment) and ``content_block_stop``; a ``ping`` after the first block opens;
``message_delta`` with the stop reason and final usage; ``message_stop``. Blocks come in the
order the real API uses: thinking, server tool use with its result block, text, tool use.

Unknown request fields are accepted and recorded (newer clients such as the Claude Code CLI
send many). Code execution renders as the request's tool version does: ``code_execution``
with a ``code_execution_tool_result`` for ``code_execution_20250522``, ``bash_code_execution``
with a ``bash_code_execution_tool_result`` for later versions (as recorded).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from .script import BuiltinSpec, RawResponse, Reply, estimate_tokens, split_text
from .server import RecordedRequest, Response, Simulator, json_response, sse
from .structured import anthropic_problem

Block = dict[str, Any]
_ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
_STOP = {"tool_calls": "tool_use", "content_filter": "refusal"}
CodeStyle = Literal["auto", "python", "bash"]


def _id(prefix: str) -> str:
    return f"{prefix}_01{uuid.uuid4().hex[:22]}"


def fake_signature(text: str) -> str:
    """A stable opaque signature for a thinking block (real ones are base64 blobs too)."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest() * 2).decode()


class AnthropicSimulator(Simulator):
    """Serves ``POST {prefix}/v1/messages`` and ``POST {prefix}/v1/messages/count_tokens``.

    ``code_execution_style``: how a ``BuiltinSpec("code_execution")`` renders; ``auto``
    follows the code execution tool version in the request. ``ping_every``: also send a
    ``ping`` after every n events (the real API pings on long streams).
    """

    def __init__(self, *script: Any, model: str = "claude-sim-4",
                 code_execution_style: CodeStyle = "auto", ping_every: int | None = None,
                 default: Any = None) -> None:
        super().__init__(*script, default=default)
        self.model = model
        self.code_execution_style = code_execution_style
        self.ping_every = ping_every
        self._request_ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The root URL: the SDK and the Claude Code CLI append ``/v1/messages`` themselves."""
        return self.url

    def route(self, request: RecordedRequest) -> Response:
        if request.method == "POST" and request.path.endswith("/v1/messages"):
            return self.create(request)
        if request.method == "POST" and request.path.endswith("/v1/messages/count_tokens"):
            body = request.body if isinstance(request.body, dict) else {}
            return json_response({"input_tokens": estimate_tokens(json.dumps(body))})
        return self.error_response(404, f"no route for {request.method} {request.path}")

    def _headers(self) -> dict[str, str]:
        return {"request-id": f"req_sim{next(self._request_ids):06d}"}

    def error_response(self, status: int, message: str) -> Response:
        kind = _ERROR_TYPES.get(status, "api_error")
        headers = self._headers()
        return json_response({"type": "error", "error": {"type": kind, "message": message},
                              "request_id": headers["request-id"]}, status, headers)

    def error_event(self, message: str) -> bytes:
        # The real API reports mid-stream overload this way, after a 200 status.
        return sse({"type": "error", "error": {"type": "overloaded_error", "message": message}},
                   "error")

    def malformed_event(self) -> bytes:
        # With an ``event:`` line: the SDK silently skips events that have none.
        return b'event: content_block_delta\ndata: {"type": "content_block_delta", oops\n\n'

    def create(self, request: RecordedRequest) -> Response:
        if problem := anthropic_problem(request.body):
            return self.error_response(400, problem)
        reply = self.next_reply(request)
        if isinstance(reply, RawResponse):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            return Response(reply.status, reply.headers, raw)
        body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
        render = _Render(reply, body, reply.model or body.get("model") or self.model,
                         self._code_style(body))
        if not body.get("stream"):
            return self.apply_fault(json_response(render.message(), headers=self._headers()),
                                    reply.fault)
        events = render.events(self.ping_every)
        resp = Response(200, {"content-type": "text/event-stream; charset=utf-8",
                              **self._headers()}, events=events, chunk_delay=reply.chunk_delay)
        return self.apply_fault(resp, reply.fault)

    def _code_style(self, body: dict[str, Any]) -> Literal["python", "bash"]:
        if self.code_execution_style != "auto":
            return self.code_execution_style
        for tool in body.get("tools") or []:
            kind = str(tool.get("type", "")) if isinstance(tool, dict) else ""
            if kind.startswith("code_execution_"):
                return "python" if kind <= "code_execution_20250522" else "bash"
        return "python"


class _Render:
    """One reply as Messages content blocks, and the events that stream them."""

    def __init__(self, reply: Reply, body: dict[str, Any], model: str,
                 code_style: Literal["python", "bash"]) -> None:
        self.reply, self.body, self.model, self.code_style = reply, body, model, code_style
        self.message_id = _id("msg")
        self.blocks: list[tuple[Block, list[Block]]] = self._blocks()

    # content ---------------------------------------------------------------------------------
    def _blocks(self) -> list[tuple[Block, list[Block]]]:
        """(complete block, its stream deltas) in the real API's order."""
        r = self.reply
        out: list[tuple[Block, list[Block]]] = []
        if r.reasoning:
            sig = r.reasoning_signature or fake_signature(r.reasoning)
            deltas = [{"type": "thinking_delta", "thinking": p}
                      for p in split_text(r.reasoning, r.chunk_size)]
            out.append(({"type": "thinking", "thinking": r.reasoning, "signature": sig},
                        deltas + [{"type": "signature_delta", "signature": sig}]))
        for spec in r.builtins:
            out.extend(self._builtin(spec))
        if r.text:
            out.append(({"type": "text", "text": r.text},
                        [{"type": "text_delta", "text": p}
                         for p in split_text(r.text, r.chunk_size)]))
        for call in r.tool_calls:
            args = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            block = {"type": "tool_use", "id": call.id or _id("toolu"), "name": call.name,
                     "input": _parsed(args)}
            out.append((block, _json_deltas(args, call.chunk_size)))
        return out

    def _builtin(self, spec: BuiltinSpec) -> list[tuple[Block, list[Block]]]:
        call_id = spec.id or _id("srvtoolu")
        if spec.tool == "web_search":
            args = {"query": spec.query or ""}
            use = {"type": "server_tool_use", "id": call_id, "name": "web_search", "input": args}
            result: Block = {"type": "web_search_tool_result", "tool_use_id": call_id,
                             "content": [{"type": "web_search_result", "title": title,
                                          "url": url, "page_age": None,
                                          "encrypted_content": fake_signature(url)}
                                         for url, title in spec.sources]}
        elif self.code_style == "bash":
            args = {"command": spec.code or ""}
            use = {"type": "server_tool_use", "id": call_id, "name": "bash_code_execution",
                   "input": args}
            result = {"type": "bash_code_execution_tool_result", "tool_use_id": call_id,
                      "content": {"type": "bash_code_execution_result", "stdout": spec.stdout,
                                  "stderr": spec.stderr, "return_code": spec.return_code,
                                  "content": []}}
        else:
            args = {"code": spec.code or ""}
            use = {"type": "server_tool_use", "id": call_id, "name": "code_execution",
                   "input": args}
            result = {"type": "code_execution_tool_result", "tool_use_id": call_id,
                      "content": {"type": "code_execution_result", "stdout": spec.stdout,
                                  "stderr": spec.stderr, "return_code": spec.return_code,
                                  "content": []}}
        return [(use, _json_deltas(json.dumps(args), 8)), (result, [])]

    # message ---------------------------------------------------------------------------------
    def stop_reason(self) -> str:
        if self.reply.stop_reason:
            return _STOP.get(self.reply.stop_reason, self.reply.stop_reason)
        return "tool_use" if self.reply.tool_calls else "end_turn"

    def stop_sequence(self) -> str | None:
        stops = self.body.get("stop_sequences") or []
        return stops[0] if self.stop_reason() == "stop_sequence" and stops else None

    def usage(self, final: bool) -> dict[str, Any]:
        u = self.reply.usage or {}
        cached = u.get("cached", 0)
        written = u.get("cache_write", 0)
        total_in = u.get("input", estimate_tokens(json.dumps(self.body.get("messages", []))))
        fresh_in = max(0, total_in - cached - written)
        out = u.get("output", estimate_tokens(self.reply.text + self.reply.reasoning)
                    + 10 * len(self.reply.tool_calls))
        usage: dict[str, Any] = {"input_tokens": fresh_in, "cache_creation_input_tokens": written,
                                 "cache_read_input_tokens": cached}
        if final:
            searches = sum(1 for b in self.reply.builtins if b.tool == "web_search")
            usage.update(output_tokens=out, server_tool_use={
                "web_search_requests": searches, "web_fetch_requests": 0})
        else:
            usage.update(cache_creation={"ephemeral_5m_input_tokens": written,
                                         "ephemeral_1h_input_tokens": 0},
                         output_tokens=1, service_tier="standard")
        return usage

    def message(self) -> dict[str, Any]:
        usage = self.usage(final=False)
        usage.update(self.usage(final=True))
        return {"id": self.message_id, "type": "message", "role": "assistant",
                "model": self.model, "content": [block for block, _ in self.blocks],
                "stop_reason": self.stop_reason(), "stop_sequence": self.stop_sequence(),
                "usage": usage}

    def events(self, ping_every: int | None) -> Iterator[bytes]:
        for count, (name, data) in enumerate(self._event_data(), 1):
            yield sse(data, name)
            if ping_every and count % ping_every == 0:
                yield sse({"type": "ping"}, "ping")

    def _event_data(self) -> Iterator[tuple[str, Block]]:
        yield "message_start", {"type": "message_start", "message": {
            "id": self.message_id, "type": "message", "role": "assistant", "model": self.model,
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": self.usage(final=False)}}
        for index, (block, deltas) in enumerate(self.blocks):
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": _opening(block)}
            if index == 0:
                yield "ping", {"type": "ping"}
            for delta in deltas:
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": delta}
            yield "content_block_stop", {"type": "content_block_stop", "index": index}
        yield "message_delta", {"type": "message_delta", "delta": {
            "stop_reason": self.stop_reason(), "stop_sequence": self.stop_sequence()},
            "usage": self.usage(final=True)}
        yield "message_stop", {"type": "message_stop"}


def _opening(block: Block) -> Block:
    """A block as ``content_block_start`` carries it: empty where deltas fill it in."""
    kind = block["type"]
    if kind == "text":
        return {"type": "text", "text": ""}
    if kind == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    if kind in ("tool_use", "server_tool_use"):
        return {**block, "input": {}}
    return block  # result blocks arrive whole


def _parsed(args: str) -> Any:
    """A tool call's input; a deliberately broken script argument string stays raw."""
    try:
        return json.loads(args) if args.strip() else {}
    except ValueError:
        return args


def _json_deltas(args: str, size: int) -> list[Block]:
    pieces = [""] + [args[i:i + size] for i in range(0, len(args), size)]
    return [{"type": "input_json_delta", "partial_json": p} for p in pieces]
