"""google-genai's automatic continuation, on the wire's dicts: the fast path's side of it.

A Gemini stream may stop with finish reason ``CONTINUATION`` and a ``continuationToken`` (or
carry a token as a checkpoint and then end or fail early); google-genai then sends the request
again with the token, as a new "hop", and goes on streaming as if nothing happened. The SDK
path gets this from the SDK (``_extra_utils.StreamContinuation``). The fast path reads the
body itself, so the SDK sees no chunks and stops after the first hop; ``Continuation`` keeps
the SDK's rules on the dicts instead, so both paths send the same hops and yield the same
chunks:

- a hop's chunks say whether it made progress (content, or a new token) and where to resume;
  the finish reason of a hop that will be resumed is removed from its chunk;
- usage is the server's running total within a hop and is summed across hops (counts added,
  per-modality counts added by modality, other lists joined);
- a hop that fails or ends without a finish reason resumes from its latest token, or is
  retried from the token it started with if it yielded nothing (three times at most);
- a request refused before any chunk (a status error, or an error as the first chunk) is
  raised at once, and a stream that gives up raises the latest error since it last made
  progress.

Tokens stay in the wire's base64 form here and are decoded to bytes only for the request,
as the SDK's models decode them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]
_RECONNECTS = 3  # google-genai's MAX_STREAM_RECONNECTS_WITHOUT_PROGRESS
_RESUMABLE = (None, "CONTINUATION")


@dataclass(slots=True)
class _Hop:
    start: str | None = None  # the token it was requested with
    token: str | None = None  # the latest token it sent
    finish: str | None = None
    feedback: bool = False
    content: bool = False
    any_chunk: bool = False
    usage: JSON | None = None  # all earlier hops' usage plus this hop's latest


class Continuation:
    """One streamed call's hops: ``start_hop`` for each request's config, ``observe`` each
    chunk, ``end_hop`` to learn whether to send another (see the module's docstring)."""

    __slots__ = ("_config", "enabled", "_usage", "_resume", "_reconnects", "_last_error",
                 "_hop")

    def __init__(self, config: JSON) -> None:
        self._config = config
        setting = config.get("automatic_continuation")
        self.enabled = True if setting is None else bool(setting)
        self._usage: JSON | None = None  # the finished hops' usage, summed
        self._resume: str | None = None
        self._reconnects = 0
        self._last_error: Exception | None = None
        self._hop = _Hop()

    def start_hop(self) -> JSON:
        """The config to send the next hop with."""
        self._hop = _Hop(start=self._resume)
        if self._resume is None:
            return self._config
        return {**self._config, "continuation_token": _decoded(self._resume)}

    def observe(self, chunk: Any) -> Any:
        """``chunk``, with a resumed hop's finish reason removed and usage summed across
        hops (changed in place: the fast path's dicts are its own)."""
        hop = self._hop
        hop.any_chunk = True
        if type(chunk) is not dict:
            return chunk
        if chunk.get("promptFeedback") is not None:
            hop.feedback = True
        candidates = chunk.get("candidates")
        if candidates and type(candidates) is list and type(candidates[0]) is dict:
            self._candidate(candidates[0])
        if type(usage := chunk.get("usageMetadata")) is dict:
            if self._usage is not None:
                usage = chunk["usageMetadata"] = _summed(self._usage, usage)
            hop.usage = usage
        return chunk

    def _candidate(self, candidate: JSON) -> None:
        hop = self._hop
        content = candidate.get("content")
        if type(content) is dict and content.get("parts"):
            hop.content = True
        reason = candidate.get("finishReason")
        if reason:
            hop.finish = reason
        if token := candidate.get("continuationToken"):
            hop.token = token
        elif reason and reason not in _RESUMABLE:
            hop.token = None
        if reason and self.enabled and hop.token and reason in _RESUMABLE:
            del candidate["finishReason"]  # the stream goes on: this is not its finish

    def end_hop(self, error: Exception | None) -> bool:
        """Whether to send another hop; raises what the SDK raises when it stops on an
        error."""
        from google.genai import errors

        hop = self._hop
        if hop.usage is not None:
            self._usage = hop.usage
        if isinstance(error, errors.APIError) and not hop.any_chunk:
            raise error
        progressed = hop.content or bool(hop.token and hop.token != hop.start)
        if error is not None:
            self._last_error = error
        elif progressed:
            self._last_error = None
        self._resume, self._reconnects = self._next_resume()
        if (self.enabled and self._resume and not hop.feedback
                and hop.finish in _RESUMABLE):
            return True
        if error is not None:
            raise error
        if hop.finish is None and not hop.feedback and self._last_error is not None:
            raise self._last_error
        return False

    def _next_resume(self) -> tuple[str | None, int]:
        hop = self._hop
        if hop.finish is not None or hop.feedback:
            if (hop.finish == "CONTINUATION" and not hop.feedback and hop.token
                    and hop.token != hop.start):
                return hop.token, 0
            return None, 0  # ended without a new token: replaying one would repeat the hop
        if hop.token and hop.token != hop.start:
            return hop.token, 0
        if hop.content or self._reconnects >= _RECONNECTS:
            return None, self._reconnects
        return hop.start, self._reconnects + 1


def _decoded(token: str) -> bytes:
    """A token as the SDK's models read it: base64, either alphabet."""
    return base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_")


def _summed(before: JSON, now: JSON) -> JSON:
    """Two hops' usage as the SDK merges its models: counts added, per-modality lists added
    by modality, other lists joined, anything else the latest."""
    merged = {**before, **now}
    for key in before.keys() & now.keys():
        old, new = before[key], now[key]
        if old is None:
            merged[key] = new
        elif new is None:
            merged[key] = old
        elif type(old) is dict and type(new) is dict:
            merged[key] = _summed(old, new)
        elif (type(old) in (int, float) and type(new) in (int, float)
              and key.endswith(("Count", "Sum"))):
            merged[key] = old + new
        elif type(old) is list and type(new) is list:
            merged[key] = _by_modality(old + new) if _modalities(old, new) else old + new
    return merged


def _modalities(old: list[Any], new: list[Any]) -> bool:
    first = old[0] if old else new[0] if new else None
    return type(first) is dict and "modality" in first


def _by_modality(items: list[Any]) -> list[JSON]:
    counts: dict[Any, int] = {}
    for item in items:
        modality = item.get("modality")
        counts[modality] = counts.get(modality, 0) + (item.get("tokenCount") or 0)
    return [{"modality": m, "tokenCount": n} if m is not None else {"tokenCount": n}
            for m, n in counts.items()]
