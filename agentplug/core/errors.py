"""The one error tree of agentplug.

    AgentplugError
    ├── UsageError                    the caller's mistakes, found before any request
    │   ├── ConfigError               a bad config: every issue located (file, line, key path)
    │   ├── UnknownBackendError       no plugin declares this backend type
    │   ├── UnsupportedCapabilityError an enable_* flag the backend cannot honour
    │   ├── MissingKeyError           no API key in the config or the environment
    │   ├── MissingExtraError         the optional SDK is not installed
    │   └── BudgetExceededError       a turn refused: max_cost_usd / max_tokens_total spent
    ├── PluginError                   a plugin failed to load or declared something invalid
    └── BackendError                  runtime failures talking to a model
        ├── ProviderError             the provider answered with an error (status, body)
        │   └── RateLimitError
        ├── ProviderConnectionError   nothing answered at the URL
        ├── ProviderTimeoutError      the provider stalled
        └── StreamError               the stream broke off or carried a malformed chunk

Runtime errors inside a turn reach users as ``ErrorEvent``s; ``Agent.run`` raises them.
Every message is passed through ``redact``: a key quoted back by a provider never shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from .redact import redact, redact_value


class AgentplugError(Exception):
    """Base of every error agentplug raises on purpose; its text has secrets redacted."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class UsageError(AgentplugError):
    """The caller asked for something that cannot work; fix the input and retry."""


class BudgetExceededError(UsageError):
    """A turn was refused before it started: a budget the caller set is spent."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a config, located as precisely as the source allows."""

    key_path: str
    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        head = f"{where}: " if where else ""
        key = f"{self.key_path}: " if self.key_path else ""
        tail = f"\n    hint: {self.hint}" if self.hint else ""
        return redact(f"{head}{key}{self.message}{tail}")


class ConfigError(UsageError):
    """A configuration with one or more located issues."""

    def __init__(self, issues: list[ConfigIssue] | ConfigIssue | str) -> None:
        if isinstance(issues, str):
            issues = [ConfigIssue(key_path="", message=issues)]
        elif isinstance(issues, ConfigIssue):
            issues = [issues]
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class UnknownBackendError(UsageError):
    def __init__(self, name: str, known: list[str]) -> None:
        from difflib import get_close_matches

        self.name = name
        close = get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(
            f"unknown backend type {name!r}.{hint} Known types: {', '.join(sorted(known))}. "
            "Run `agentplug backends` to see them all."
        )


class UnsupportedCapabilityError(UsageError):
    def __init__(self, backend: str, flag: str, reason: str) -> None:
        self.backend, self.flag = backend, flag
        super().__init__(f"{flag} is not supported by the {backend!r} backend: {reason}")


class MissingKeyError(UsageError):
    def __init__(self, backend: str, env_vars: tuple[str, ...] | list[str]) -> None:
        self.backend, self.env_vars = backend, tuple(env_vars)
        names = " or ".join(self.env_vars)
        super().__init__(
            f"no API key for the {backend!r} backend: set {names} in the environment "
            f"(or a .env file), or put `api_key:` in the backend config"
        )


class MissingExtraError(UsageError):
    def __init__(self, package: str, extra: str) -> None:
        self.package, self.extra = package, extra
        super().__init__(
            f"the {package!r} package is not installed: run pip install 'agentplug[{extra}]'"
        )


class PluginError(AgentplugError):
    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class BackendError(AgentplugError):
    """A failure while talking to a model; ``retryable`` says whether trying again may help."""

    retryable: bool = False


class ProviderError(BackendError):
    def __init__(self, message: str, *, status: int | None = None, body: object = None,
                 retryable: bool | None = None) -> None:
        self.status, self.body = status, redact_value(body)
        if retryable is not None:
            self.retryable = retryable
        elif status is not None:
            self.retryable = status in (408, 409, 429) or status >= 500
        prefix = f"HTTP {status}: " if status is not None else ""
        super().__init__(prefix + message)


class RateLimitError(ProviderError):
    retryable = True


class ProviderConnectionError(BackendError):
    retryable = True

    def __init__(self, url: str, cause: str = "") -> None:
        self.url = url
        detail = f" ({cause})" if cause else ""
        super().__init__(f"could not connect to {url}{detail}: is the server running and is "
                         "base_url right?")


class ProviderTimeoutError(BackendError):
    retryable = True


class StreamError(BackendError):
    retryable = True

