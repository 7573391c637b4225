"""A Gemini API simulator: ``:streamGenerateContent?alt=sse`` and ``:generateContent``.

Chunks follow recorded real streams (``shared/cassettes/gemini``): every ``data: `` line is a
whole ``GenerateContentResponse`` (candidates with ``content.parts``, ``usageMetadata``,
``modelVersion``, ``responseId``), with no ``event:`` lines and no ``[DONE]``. Function calls
arrive whole in one chunk; the last chunk carries ``finishReason`` and, after a Google
Search, the ``groundingMetadata`` (``webSearchQueries``, ``groundingChunks``). Thought
summaries (parts with ``"thought": true``) stream only when the request asks for them
(``thinkingConfig.includeThoughts``), as with the real API. Errors use Google's body:
``{"error": {"code", "message", "status"}}``, in a status response or as a stream chunk.
Both ``/v1/`` and ``/v1beta/`` paths are served.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from .script import BuiltinSpec, RawResponse, Reply, estimate_tokens, split_text
from .server import RecordedRequest, Response, Simulator, json_response, sse
from .structured import gemini_problem

Chunk = dict[str, Any]
_PATH = re.compile(r"/(v1|v1beta|v1alpha)/models/([^:/]+):(streamGenerateContent|generateContent)$")
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
           504: "DEADLINE_EXCEEDED"}
_FINISH = {"end_turn": "STOP", "tool_calls": "STOP", "max_tokens": "MAX_TOKENS",
           "content_filter": "SAFETY", "stop_sequence": "STOP"}


def thought_signature(text: str) -> str:
    """A stable opaque signature, base64 like the real ones."""
    return base64.b64encode(hashlib.sha256(("sig:" + text).encode()).digest()).decode()


class GeminiSimulator(Simulator):
    """Serves ``POST {root}/{v1|v1beta}/models/{model}:streamGenerateContent`` and
    ``:generateContent``. Point ``HttpOptions(base_url=sim.base_url)`` at it."""

    def __init__(self, *script: Any, default: Any = None) -> None:
        super().__init__(*script, default=default)
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.url

    def route(self, request: RecordedRequest) -> Response:
        match = _PATH.search(request.path)
        if request.method != "POST" or match is None:
            return self.error_response(404, f"no route for {request.method} {request.path}")
        return self.generate(request, match.group(2), match.group(3) == "streamGenerateContent")

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"code": status, "message": message,
                          "status": _STATUS.get(status, "UNKNOWN")}}

    def error_response(self, status: int, message: str) -> Response:
        return json_response(self.error_body(status, message), status,
                             {"content-type": "application/json; charset=UTF-8"})

    def error_event(self, message: str) -> bytes:
        return sse(self.error_body(503, message))

    def generate(self, request: RecordedRequest, model: str, stream: bool) -> Response:
        if problem := gemini_problem(request.body):
            return self.error_response(400, problem)
        reply = self.next_reply(request)
        if isinstance(reply, RawResponse):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            return Response(reply.status, reply.headers, raw)
        body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
        render = _Render(reply, body, reply.model or model, f"sim{next(self._ids):08d}")
        if not stream:
            return self.apply_fault(json_response(render.whole(), headers={
                "content-type": "application/json; charset=UTF-8"}), reply.fault)
        resp = Response(200, {"content-type": "text/event-stream"}, events=render.events(),
                        chunk_delay=reply.chunk_delay)
        return self.apply_fault(resp, reply.fault)


class _Render:
    def __init__(self, reply: Reply, body: dict[str, Any], model: str, response_id: str) -> None:
        self.reply, self.body, self.model, self.response_id = reply, body, model, response_id
        config = body.get("generationConfig") or body.get("generation_config") or {}
        thinking = config.get("thinkingConfig") or config.get("thinking_config") or {}
        self.include_thoughts = bool(thinking.get("includeThoughts")
                                     or thinking.get("include_thoughts"))

    def signature(self) -> str | None:
        r = self.reply
        if r.reasoning_signature:
            return r.reasoning_signature
        return thought_signature(r.reasoning) if r.reasoning else None

    def part_groups(self) -> list[list[Chunk]]:
        """The reply's parts, grouped as they stream (one group per chunk)."""
        r = self.reply
        groups: list[list[Chunk]] = []
        if self.include_thoughts:
            groups += [[{"text": p, "thought": True}] for p in split_text(r.reasoning,
                                                                         r.chunk_size)]
        for spec in r.builtins:
            if spec.tool == "image_generation":  # an image model's inline image part
                groups.append([{"inlineData": {"mimeType": "image/png",
                                               "data": spec.image or ""}}])
            elif spec.tool != "web_search":
                groups += _code_parts(spec)
        groups += [[{"text": p}] for p in split_text(r.text, r.chunk_size)]
        calls: list[Chunk] = []
        for call in r.tool_calls:
            args = json.loads(call.arguments) if isinstance(call.arguments, str) else call.arguments
            fc: Chunk = {"name": call.name, "args": args}
            if call.id:
                fc["id"] = call.id
            calls.append({"functionCall": fc})
        if calls:
            groups.append(calls)
        signature = self.signature()
        if signature:
            # The signature rides on the first function call, else on a closing empty part.
            target = calls[0] if calls else None
            if target is None:
                target = {"text": ""}
                groups.append([target])
            target["thoughtSignature"] = signature
        return groups or [[{"text": ""}]]

    def grounding(self) -> Chunk | None:
        searches = [b for b in self.reply.builtins if b.tool == "web_search"]
        if not searches:
            return None
        return {"searchEntryPoint": {"renderedContent": "<div>simulated search chip</div>"},
                "groundingChunks": [{"web": {"uri": url, "title": title}}
                                    for s in searches for url, title in s.sources],
                "groundingSupports": [],
                "webSearchQueries": [s.query or "" for s in searches]}

    def usage(self, final: bool) -> Chunk:
        u = self.reply.usage or {}
        prompt = u.get("input", estimate_tokens(json.dumps(self.body.get("contents", []))))
        usage: Chunk = {"promptTokenCount": prompt,
                        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}
        thoughts = u.get("reasoning", estimate_tokens(self.reply.reasoning))
        output = u.get("output", estimate_tokens(self.reply.text) + 5 * len(self.reply.tool_calls))
        if final:
            usage["candidatesTokenCount"] = output
            usage["candidatesTokensDetails"] = [{"modality": "TEXT", "tokenCount": output}]
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if u.get("cached"):
            usage["cachedContentTokenCount"] = u["cached"]
        if any(b.tool == "web_search" for b in self.reply.builtins):
            usage["toolUsePromptTokenCount"] = 100
        usage["totalTokenCount"] = prompt + thoughts + (output if final else 0)
        return usage

    def finish_reason(self) -> str:
        stop = self.reply.stop_reason or "end_turn"
        return _FINISH.get(stop, stop)

    def chunk(self, parts: list[Chunk], final: bool) -> Chunk:
        candidate: Chunk = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if final:
            candidate["finishReason"] = self.finish_reason()
            if (grounding := self.grounding()) is not None:
                candidate["groundingMetadata"] = grounding
        return {"candidates": [candidate], "usageMetadata": self.usage(final),
                "modelVersion": self.model, "responseId": self.response_id}

    def events(self) -> Iterator[bytes]:
        groups = self.part_groups()
        for n, parts in enumerate(groups):
            yield sse(self.chunk(parts, final=n == len(groups) - 1))

    def whole(self) -> Chunk:
        parts: list[Chunk] = []
        for group in self.part_groups():
            for part in group:
                if parts and "text" in part and "text" in parts[-1] and (
                        part.get("thought") == parts[-1].get("thought")) and (
                        "thoughtSignature" not in parts[-1]):
                    parts[-1] = {**parts[-1], **part, "text": parts[-1]["text"] + part["text"]}
                else:
                    parts.append(dict(part))
        return self.chunk(parts, final=True)


def _code_parts(spec: BuiltinSpec) -> list[list[Chunk]]:
    output = spec.stdout + (spec.stderr if spec.return_code else "")
    outcome = "OUTCOME_OK" if spec.return_code == 0 else "OUTCOME_FAILED"
    return [[{"executableCode": {"language": "PYTHON", "code": spec.code or ""}}],
            [{"codeExecutionResult": {"outcome": outcome, "output": output}}]]
