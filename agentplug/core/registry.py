"""Backend declarations: each backend is declared once, and everything reads the declaration.

Validation, ``agentplug backends``, the docs tables and the agent factory all read
``BackendSpec``. A spec names its implementation lazily (``"package.module:Class"``) so that
listing backends never imports a provider SDK.
"""

from __future__ import annotations

import builtins
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import PluginError, UnknownBackendError
from .params import BackendParams

if TYPE_CHECKING:
    from .backend import Backend

Capability = Literal[
    "function_tools", "mcp", "reasoning", "web_search", "code_execution",
    "code_interpreter", "stateful", "native_tools", "vision",
]
Support = Literal["yes", "no", "n/a", "varies"]
ToolFlag = Literal["enable_web_search", "enable_code_execution", "enable_code_interpreter"]
_FLAG_CAPABILITY: dict[str, Capability] = {
    "enable_web_search": "web_search",
    "enable_code_execution": "code_execution",
    "enable_code_interpreter": "code_interpreter",
}


@dataclass(frozen=True, slots=True)
class FlagSupport:
    """How a backend treats one ``enable_*`` flag; ``reason`` explains a refusal."""

    support: Support
    reason: str = ""

    @property
    def symbol(self) -> str:
        return {"yes": "✅", "no": "❌", "n/a": "N/A", "varies": "Varies"}[self.support]


YES, NO, NA = FlagSupport("yes"), FlagSupport("no"), FlagSupport("n/a")


@dataclass(frozen=True, slots=True)
class Preset:
    """A named provider behind a generic backend (e.g. Cerebras behind chatcompletion)."""

    name: str
    title: str
    base_url: str
    env_var: str | None
    models: tuple[str, ...] = ()
    tool_flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class BackendSpec:
    type: str
    title: str
    factory: str | Callable[..., Backend]
    params: builtins.type[BackendParams] = BackendParams  # `type` is a field name here
    capabilities: frozenset[Capability] = frozenset()
    tool_flags: Mapping[str, FlagSupport] = field(default_factory=dict)
    env_vars: tuple[str, ...] = ()
    setup: str = ""
    notes: str = ""
    extra: str | None = None
    presets: Mapping[str, Preset] = field(default_factory=dict)
    default_model: str | None = None
    models: tuple[str, ...] = ()
    plugin: str = ""

    def flag(self, name: str) -> FlagSupport:
        return self.tool_flags.get(name, NO)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def load_factory(self) -> Callable[..., Backend]:
        if callable(self.factory):
            return self.factory
        module_name, _, attr = self.factory.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr)  # type: ignore[no-any-return]

    def create(self, params: BackendParams) -> Backend:
        return self.load_factory()(params, self)

    def check(self) -> None:
        """Reject declarations that would mislead users (called when a plugin registers)."""
        if not self.type.isidentifier():
            raise ValueError(f"backend type {self.type!r} must be an identifier")
        if not issubclass(self.params, BackendParams):
            raise ValueError("params must subclass agentplug.BackendParams")
        for flag, support in self.tool_flags.items():
            if flag not in _FLAG_CAPABILITY:
                raise ValueError(f"unknown tool flag {flag!r}")
            cap = _FLAG_CAPABILITY[flag]
            if support.support == "yes" and cap not in self.capabilities:
                raise ValueError(f"{flag} is 'yes' but capability {cap!r} is not declared")


class Registry:
    """Backend types declared by plugins; a duplicate type is an error naming both plugins."""

    def __init__(self) -> None:
        self._specs: dict[str, BackendSpec] = {}

    def register(self, spec: BackendSpec) -> None:
        if spec.type in self._specs:
            first = self._specs[spec.type].plugin
            raise PluginError(
                spec.plugin,
                f"backend type {spec.type!r} is already declared by plugin {first!r}; "
                "the second declaration was ignored",
            )
        try:
            spec.check()
        except ValueError as exc:
            raise PluginError(spec.plugin, f"invalid declaration of {spec.type!r}: {exc}") from exc
        self._specs[spec.type] = spec

    def get(self, type_name: str) -> BackendSpec:
        try:
            return self._specs[type_name]
        except KeyError:
            raise UnknownBackendError(type_name, list(self._specs)) from None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._specs

    def __iter__(self) -> Any:
        return iter(sorted(self._specs.values(), key=lambda s: s.type))

    def __len__(self) -> int:
        return len(self._specs)
