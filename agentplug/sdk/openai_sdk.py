"""What every backend on the ``openai`` SDK shares: the lazy import and its error rules."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from agentplug.core.errors import (
    BackendError, ProviderConnectionError, ProviderError, ProviderTimeoutError, RateLimitError,
    StreamError,
)
from agentplug.core.requirements import require

from .errors import cut_short, refused


def openai_module() -> ModuleType:
    return require("openai", "openai")


def openai_error(exc: BaseException, url: str) -> BackendError | None:
    """The ``openai`` SDK's exceptions; ``None`` for anything else (the transport's table)."""
    openai = openai_module()
    if isinstance(exc, openai.APITimeoutError):
        if (cause := refused(exc)) is not None:
            return ProviderConnectionError(url, str(cause))
        return ProviderTimeoutError(f"request to {url} timed out")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        if cause is not None and cut_short(cause):
            return StreamError(f"the stream from {url} broke off: {cause}")
        return ProviderConnectionError(url, str(cause or exc))
    if isinstance(exc, openai.APIStatusError):
        cls = RateLimitError if exc.status_code == 429 else ProviderError
        return cls(_message(exc), status=exc.status_code, body=exc.body)
    if isinstance(exc, openai.APIError):  # an error chunk inside a 200 stream
        return ProviderError(_message(exc), body=exc.body, retryable=False)
    return None


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", exc))


# Responses streams report failures as ordinary events (``error``, ``response.failed``), which
# the SDK passes through instead of raising: these codes are worth another try.
_RETRYABLE_STREAM_CODES = {"server_error", "rate_limit_exceeded", "vector_store_timeout"}


def stream_event_error(code: str | None, message: str | None, url: str) -> ProviderError:
    """A Responses ``error`` / ``response.failed`` event as an agentplug error."""
    cls = RateLimitError if code == "rate_limit_exceeded" else ProviderError
    detail = f" [{code}]" if code else ""
    return cls(f"{message or 'the response failed'}{detail} (stream from {url})",
               retryable=code in _RETRYABLE_STREAM_CODES)
