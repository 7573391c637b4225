"""The fast path's SSE decoder against the SDKs' own decoders, as oracles: for any body cut
into any chunks (CR, LF and CRLF line ends, comments, ids, retries, invalid UTF-8), the same
events in the same order, and the same exception after them."""

from __future__ import annotations

from typing import Any

from anthropic._streaming import SSEDecoder as AnthropicDecoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai._streaming import SSEDecoder as OpenAIDecoder

from agentplug.sdk.sse import SSEDecoder

PIECES = [b"data: ", b"data:", b"data", b"event: ", b"event:x", b"id: 1", b"id: \x00",
          b"retry: 5", b"retry: x", b": comment", b"\n", b"\r", b"\r\n", b"\n\n", b"{}",
          b'{"a": 1}', b"[DONE]", b"\xff", b"\xe2\x9c", b"\x93", "é✓".encode(), b" ", b"x"]
bodies = st.lists(st.sampled_from(PIECES) | st.binary(max_size=6), max_size=40).map(b"".join)


def _oracle(decoder: Any, chunks: list[bytes]) -> list[Any]:
    out: list[Any] = []
    try:
        for sse in decoder.iter_bytes(iter(chunks)):
            out.append((sse.event, sse.data))
    except Exception as exc:
        out.append((type(exc), str(exc)))
    return out


def _ours(chunks: list[bytes]) -> list[Any]:
    decoder, out = SSEDecoder(), []
    try:
        for chunk in chunks:
            out.extend((event, data.decode("utf-8")) for event, data in decoder.feed(chunk))
        decoder.finish()
    except Exception as exc:
        out.append((type(exc), str(exc)))
    return out


@st.composite
def chunked(draw: Any) -> list[bytes]:
    body = draw(bodies)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(body) - 1)), max_size=6)))
    ends = [*cuts, len(body)]
    return [body[i:j] for i, j in zip([0, *cuts], ends, strict=True) if body[i:j]]


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(chunks=chunked())
def test_same_events_as_the_sdks_decoders(chunks: list[bytes]) -> None:
    ours = _ours(chunks)
    assert ours == _oracle(OpenAIDecoder(), chunks)
    assert ours == _oracle(AnthropicDecoder(), chunks)


def test_a_real_stream_in_one_chunk_and_byte_by_byte() -> None:
    body = (b'data: {"a": 1}\n\nevent: message_start\r\ndata: {"b":\r\ndata: 2}\r\n\r\n'
            b": ping\n\ndata: [DONE]\n\n")
    whole, bytewise = _ours([body]), _ours([body[i:i + 1] for i in range(len(body))])
    assert whole == bytewise == [(None, '{"a": 1}'), ("message_start", '{"b":\n2}'),
                                 (None, "[DONE]")]
