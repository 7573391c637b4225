"""When to try a failed task again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Any

MAX_RETRY_AFTER = 300.0  # a provider asking for more than 5 minutes is treated as 5 minutes


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``retries`` more attempts after the first for a retryable error, waiting the
    provider's ``Retry-After`` when it sent one, else exponential backoff with full jitter."""

    retries: int = 3
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, error: BaseException | None) -> float:
        asked = retry_after(error)
        if asked is not None:
            return asked
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def retry_after(error: BaseException | None) -> float | None:
    """Seconds the provider asked to wait (``retry-after-ms`` / ``retry-after``), found on
    the HTTP response of the error or of the SDK error it was raised from."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        headers = getattr(getattr(error, "response", None), "headers", None)
        if headers is not None:
            value = _parse(headers)
            if value is not None:
                return value
        error = error.__cause__ or error.__context__
    return None


def _parse(headers: Any) -> float | None:
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return _clamp(float(ms) / 1000)
        raw = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if raw is None:
        return None
    try:
        return _clamp(float(raw))
    except ValueError:
        pass
    try:  # an HTTP date
        when = email.utils.parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return _clamp(when.timestamp() - time.time())


def _clamp(seconds: float) -> float:
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
