"""Rate limits shared by every task of a batch: requests and tokens per window, per provider
and per model, as sliding windows (a limit of 60 per minute never lets 61 requests into any
60 seconds).

Limits come from a YAML file in MassGen's ``rate_limits.yaml`` shape::

    gemini:                    # provider: a backend type, or a chatcompletion preset
      gemini-2.5-flash: {rpm: 9, tpm: 240000, rpd: 245}
      default: {rpm: 7}        # every other model of this provider, each on its own
      rpm: 20                  # optional: the provider as a whole, all models together

A call is dated by its first response byte, which comes after the provider received it, so
transit delays cannot squeeze more calls into a provider's window than the limit. Tokens are
only known once a call ends: a call reserves an estimate (the mean of the calls seen so far
on that key, or the caller's guess from the prompt) and is corrected to the real count after.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from ..core.errors import ConfigError, ConfigIssue

MINUTE, DAY = 60.0, 86400.0
_KEYS = {"rpm": ("requests", MINUTE), "tpm": ("tokens", MINUTE), "rpd": ("requests", DAY),
         "tpd": ("tokens", DAY)}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` calls and ``tokens`` tokens in any ``period`` seconds."""

    requests: int | None = None
    tokens: int | None = None
    period: float = MINUTE


@dataclass(frozen=True, slots=True)
class LimitKey:
    provider: str
    model: str | None = None  # None: the provider as a whole

    def __str__(self) -> str:
        return self.provider if self.model is None else f"{self.provider}/{self.model}"


@dataclass(slots=True)
class RateLimits:
    """Limits by key; ``default`` per provider applies to models not listed."""

    limits: dict[LimitKey, list[RateLimit]]
    defaults: dict[str, list[RateLimit]]

    @classmethod
    def empty(cls) -> RateLimits:
        return cls({}, {})

    def __bool__(self) -> bool:
        return bool(self.limits or self.defaults)

    def for_call(self, provider: str, model: str | None) -> list[tuple[LimitKey, RateLimit]]:
        out = [(LimitKey(provider), lim) for lim in self.limits.get(LimitKey(provider), [])]
        if model is not None:
            key = LimitKey(provider, model)
            model_limits = self.limits.get(key)
            if model_limits is None:
                model_limits = self.defaults.get(provider, [])
            out += [(key, lim) for lim in model_limits]
        return out

    def add(self, provider: str, model: str | None, limit: RateLimit) -> None:
        self.limits.setdefault(LimitKey(provider, model), []).append(limit)


def load_rate_limits(path: str | Path) -> RateLimits:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(ConfigIssue("", f"rate limits file not found: {path}"))
    return parse_rate_limits(path.read_text(encoding="utf-8"), source=str(path))


def parse_rate_limits(text: str, *, source: str | None = None) -> RateLimits:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(ConfigIssue("", f"invalid YAML: {exc}", source,
                                      mark.line + 1 if mark else None)) from None
    lines = _key_lines(node)
    issues: list[ConfigIssue] = []
    out = RateLimits.empty()

    def issue(path: tuple[str, ...], message: str, hint: str | None = None) -> None:
        issues.append(ConfigIssue(".".join(path), message, source, lines.get(path), hint))

    if not isinstance(data, dict):
        raise ConfigError(ConfigIssue("", "rate limits are a mapping: provider: {model: "
                                      "{rpm: N, tpm: N}}", source, 1))
    for provider, entry in data.items():
        provider = str(provider)
        if not isinstance(entry, dict):
            issue((provider,), "a provider maps model names to limits",
                  "e.g. openai: {gpt-5: {rpm: 500, tpm: 30000}}")
            continue
        for key, value in entry.items():
            key = str(key)
            if key in _KEYS:  # a number right under the provider: the provider as a whole
                limit = _limit(key, value, (provider, key), issue)
                if limit:
                    out.add(provider, None, limit)
            elif isinstance(value, dict):
                parsed = [lim for k, v in value.items()
                          if (lim := _limit(str(k), v, (provider, key, str(k)), issue))]
                if key == "default":
                    out.defaults.setdefault(provider, []).extend(parsed)
                else:
                    out.limits.setdefault(LimitKey(provider, key), []).extend(parsed)
            else:
                issue((provider, key), "expected a model's limits {rpm: N, tpm: N} or a "
                      "provider-wide rpm/tpm/rpd/tpd number")
    if issues:
        raise ConfigError(issues)
    return out


def _limit(key: str, value: Any, path: tuple[str, ...], issue: Any) -> RateLimit | None:
    if key not in _KEYS:
        issue(path, "unknown key", f"known keys: {', '.join(_KEYS)}")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        issue(path, f"must be a positive whole number, got {value!r}")
        return None
    kind, period = _KEYS[key]
    return RateLimit(requests=value, period=period) if kind == "requests" else \
        RateLimit(tokens=value, period=period)


def _key_lines(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = (*prefix, str(k.value))
            out[path] = k.start_mark.line + 1
            out.update(_key_lines(v, path))
    return out


class Limiter(Protocol):
    """What a task's model calls go through: in process, or a Ray actor for a cluster."""

    async def acquire(self, provider: str, model: str | None, estimate: int = 0) -> Any: ...

    async def started(self, ticket: Any) -> None: ...

    async def release(self, ticket: Any, tokens: int | None) -> None: ...


POLL = 0.05  # seconds between checks while a window is full of calls not yet answered


@dataclass(slots=True)
class _Entry:
    at: float
    tokens: int
    pending: bool = True  # granted, no answer yet: it counts, and cannot expire
    live: bool = True  # False once it has left its window


class _Window:
    """One limit on one key. A call counts from its grant; its place in the window is dated
    from its first response byte (or its end), which comes after the provider received it:
    whatever the transit delays, no window of ``period`` at the provider sees more than the
    limit."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.entries: deque[_Entry] = deque()  # answered calls, oldest first
        self.pending: set[int] = set()  # id() of calls granted and not yet answered
        self.pending_tokens = 0
        self.tokens = 0  # answered calls' tokens in the window

    def prune(self, now: float) -> None:
        while self.entries and self.entries[0].at <= now - self.limit.period:
            gone = self.entries.popleft()
            gone.live = False
            self.tokens -= gone.tokens

    def wait(self, now: float, tokens: int) -> float:
        """Seconds until a call reserving ``tokens`` fits (0: now)."""
        self.prune(now)
        lim = self.limit
        if lim.requests is not None:
            over = len(self.entries) + len(self.pending) + 1 - lim.requests
            if over > 0:
                if over > len(self.entries):
                    return POLL
                return self.entries[over - 1].at + lim.period - now
        if lim.tokens is not None:
            excess = self.tokens + self.pending_tokens + tokens - lim.tokens
            if excess > 0 and (self.entries or self.pending):
                for e in self.entries:
                    excess -= e.tokens
                    if excess <= 0:
                        return e.at + lim.period - now
                return POLL
        return 0.0

    def grant(self, entry: _Entry) -> None:
        self.pending.add(id(entry))
        self.pending_tokens += entry.tokens

    def answered(self, entry: _Entry, now: float) -> None:
        if id(entry) in self.pending:
            self.pending.discard(id(entry))
            self.pending_tokens -= entry.tokens
            entry.at, entry.pending = now, False
            self.entries.append(entry)
            self.tokens += entry.tokens

    def recount(self, entry: _Entry, tokens: int) -> None:
        if entry.pending:
            self.pending_tokens += tokens - entry.tokens
        elif entry.live:
            self.tokens += tokens - entry.tokens
        entry.tokens = tokens


class WindowLimiter:
    """Sliding-window limits kept in this process (one batch, one event loop or actor)."""

    def __init__(self, limits: RateLimits, *, clock: Any = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._windows: dict[tuple[LimitKey, RateLimit], _Window] = {}
        self._mean: dict[LimitKey, tuple[int, int]] = {}  # key -> (calls, tokens)

    def try_acquire(self, provider: str, model: str | None, estimate: int = 0
                    ) -> tuple[float, Any]:
        """(0, ticket) when the call may go now, else (seconds to wait, None). ``estimate``:
        the caller's guess of the call's tokens, used until calls on this key are seen."""
        pairs = self.limits.for_call(provider, model)
        if not pairs:
            return 0.0, None
        now = self.clock()
        estimate = max([estimate, *(self._estimate(k) for k, _ in pairs)])
        windows = [self._window(k, lim) for k, lim in pairs]
        wait = max(w.wait(now, estimate) for w in windows)
        if wait > 0:
            return wait, None
        ticket = []
        for (key, _), w in zip(pairs, windows, strict=True):
            entry = _Entry(now, estimate if w.limit.tokens is not None else 0)
            w.grant(entry)
            ticket.append((key, w, entry))
        return 0.0, ticket

    def mark_started(self, ticket: Any) -> None:
        """The call's first response byte arrived: date its place in the windows."""
        now = self.clock()
        for _, w, entry in ticket or ():
            w.answered(entry, now)

    def settle(self, ticket: Any, tokens: int | None) -> None:
        """The call ended: correct its reservation to the tokens it really used."""
        self.mark_started(ticket)
        if not ticket or tokens is None:
            return
        for key, w, entry in ticket:
            calls, total = self._mean.get(key, (0, 0))
            self._mean[key] = (calls + 1, total + tokens)
            if w.limit.tokens is not None:
                w.recount(entry, tokens)

    async def acquire(self, provider: str, model: str | None, estimate: int = 0) -> Any:
        while True:
            wait, ticket = self.try_acquire(provider, model, estimate)
            if wait <= 0:
                return ticket
            await asyncio.sleep(wait)

    async def started(self, ticket: Any) -> None:
        self.mark_started(ticket)

    async def release(self, ticket: Any, tokens: int | None) -> None:
        self.settle(ticket, tokens)

    def _window(self, key: LimitKey, limit: RateLimit) -> _Window:
        w = self._windows.get((key, limit))
        if w is None:
            w = self._windows[(key, limit)] = _Window(limit)
        return w

    def _estimate(self, key: LimitKey) -> int:
        calls, total = self._mean.get(key, (0, 0))
        return total // calls if calls else 0


def limit_key_of(backend: Mapping[str, Any]) -> tuple[str, str | None]:
    """(provider, model) of a backend dict: a chatcompletion preset names its provider."""
    provider = backend.get("provider") or backend.get("type") or "unknown"
    model = backend.get("model")
    return str(provider), (str(model) if model else None)
