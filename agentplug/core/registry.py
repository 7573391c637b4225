"""Declarations: each backend, toolset and command is declared once, and everything reads it.

Validation, ``agentplug backends``, the docs tables, ``agentplug run``'s choice of backend and
the agent factory all read ``BackendSpec``. A spec names its implementation lazily
(``"package.module:Class"``) so that listing backends never imports a provider SDK, and its
params model too, so that building the CLI imports no pydantic model at all.
"""

from __future__ import annotations

import argparse
import builtins
import importlib
import importlib.util
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from .errors import PluginError, UnknownBackendError, UsageError

if TYPE_CHECKING:
    from .params import BackendParams
    from .protocol import Backend
    from .tools import Toolset

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
TOOL_FLAGS = tuple(_FLAG_CAPABILITY)  # the provider built-in tool flags every backend declares
# How a typed answer (output_type) is obtained (docs/structured_output.md).
OutputStrategy = Literal["native", "tool", "prompted"]
STRATEGIES: tuple[OutputStrategy, ...] = ("native", "tool", "prompted")


@dataclass(frozen=True, slots=True)
class FlagSupport:
    """How a backend treats one ``enable_*`` flag; ``reason`` explains a refusal."""

    support: Support
    reason: str = ""

    @property
    def symbol(self) -> str:
        return {"yes": "✅", "no": "❌", "n/a": "N/A", "varies": "Varies"}[self.support]


YES, NO, NA = FlagSupport("yes"), FlagSupport("no"), FlagSupport("n/a")


def refuse_all(reason: str) -> dict[str, FlagSupport]:
    """The seed's ❌ ❌ ❌ row: every built-in tool flag refused with one reason."""
    no = FlagSupport("no", reason)
    return {"enable_web_search": no, "enable_code_execution": no,
            "enable_code_interpreter": no}


@dataclass(frozen=True, slots=True)
class Preset:
    """A named provider behind a generic backend (e.g. Cerebras behind chatcompletion)."""

    name: str
    title: str
    base_url: str
    env_var: str | None
    models: tuple[str, ...] = ()
    tool_flags: frozenset[str] = frozenset()
    pricing: str | None = None  # the genai-prices provider id, as for BackendSpec
    # Typed answers (docs/structured_output.md), as this provider really takes them: its
    # strategy (None: the backend type's), models that have the native one all the same,
    # whether tool_choice can force the output tool, and whether the provider asks for the
    # schema in the prompt as well (it constrains decoding without showing it to the model).
    structured_output: OutputStrategy | None = None
    native_models: tuple[str, ...] = ()
    forced_tool_choice: bool = True
    schema_in_prompt: bool = False
    # Body fields a native typed-answer request adds (e.g. a router's "only to providers
    # that honour response_format"); the user's extra_body wins.
    native_body: Mapping[str, Any] = field(default_factory=dict)

    def output_strategy(self, model: str | None, default: OutputStrategy) -> OutputStrategy:
        """The strategy for ``model`` (``native_models`` are name prefixes)."""
        if model and any(model.startswith(prefix) for prefix in self.native_models):
            return "native"
        return self.structured_output or default


@dataclass(frozen=True, slots=True)
class BackendSpec:
    type: str
    title: str
    factory: str | Callable[..., Backend]
    # The params model, or where it is ("package.module:Class"). `type` is a field name here.
    params: str | builtins.type[BackendParams] = "agentplug.core.params:BackendParams"
    capabilities: frozenset[Capability] = frozenset()
    tool_flags: Mapping[str, FlagSupport] = field(default_factory=dict)
    env_vars: tuple[str, ...] = ()
    setup: str = ""
    notes: str = ""
    extra: str | None = None
    presets: Mapping[str, Preset] = field(default_factory=dict)
    default_model: str | None = None
    models: tuple[str, ...] = ()
    # Modules whose presence proves the extra is installed (checked without importing them).
    sdk_modules: tuple[str, ...] = ()
    # `agentplug run` without --backend picks the lowest-ranked backend whose key is set;
    # None: only when named (e.g. a backend that also needs an endpoint).
    auto_rank: int | None = None
    # The genai-prices provider id that prices this backend's models, "free" for self-hosted
    # models, None when no table covers it (shown as unpriced, never $0).
    pricing: str | None = None
    plugin: str = ""
    # How a typed answer (output_type) is obtained: the provider's own schema-constrained
    # output, a tool the model must call, or the schema in the prompt (docs/structured_output.md).
    structured_output: OutputStrategy = "prompted"

    def flag(self, name: str) -> FlagSupport:
        return self.tool_flags.get(name, NO)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def params_model(self) -> builtins.type[BackendParams]:
        """The params model, imported on first use."""
        from .params import BackendParams

        model = load_object(self.params)
        if not (isinstance(model, builtins.type) and issubclass(model, BackendParams)):
            raise PluginError(self.plugin or self.type,
                              f"backend {self.type!r}: params {self.params!r} is not a "
                              "subclass of agentplug.BackendParams")
        return model  # type: ignore[no-any-return]

    def load_factory(self) -> Callable[..., Backend]:
        return load_object(self.factory)  # type: ignore[no-any-return]

    def create(self, params: BackendParams) -> Backend:
        return self.load_factory()(params, self)

    def preset_for(self, provider: str | None, base_url: str | None) -> Preset | None:
        """The preset a config names (``provider:``) or whose URL its ``base_url`` starts with."""
        if provider:
            return self.presets.get(provider)
        url = (base_url or "").rstrip("/")
        if url:
            for preset in self.presets.values():
                if url.startswith(preset.base_url.rstrip("/")):
                    return preset
        return None

    def installed(self) -> bool:
        """Whether the SDK modules this backend needs can be found (nothing is imported)."""
        return all(_findable(m) for m in self.sdk_modules)

    def check(self) -> None:
        """Reject declarations that would mislead users (called when a plugin registers)."""
        if not self.type.isidentifier():
            raise ValueError(f"backend type {self.type!r} must be an identifier")
        if isinstance(self.params, str):
            if ":" not in self.params:
                raise ValueError(f"params {self.params!r} must be 'package.module:Class'")
        else:
            from .params import BackendParams  # a model given as a class is imported already

            if not issubclass(self.params, BackendParams):
                raise ValueError("params must subclass agentplug.BackendParams")
        for owner, strategy in (("", self.structured_output), *(
                (f"preset {p.name!r}: ", p.structured_output) for p in self.presets.values()
                if p.structured_output is not None)):
            if strategy not in STRATEGIES:
                raise ValueError(f"{owner}structured_output {strategy!r} is not one of "
                                 f"{', '.join(STRATEGIES)}")
        for flag, support in self.tool_flags.items():
            if flag not in _FLAG_CAPABILITY:
                raise ValueError(f"unknown tool flag {flag!r}")
            cap = _FLAG_CAPABILITY[flag]
            if support.support == "yes" and cap not in self.capabilities:
                raise ValueError(f"{flag} is 'yes' but capability {cap!r} is not declared")


@dataclass(frozen=True, slots=True)
class ToolsetSpec:
    """A named set of tools that configs can give any agent (``toolsets: [name]`` in YAML).

    ``factory`` (lazy like a backend's) is called with the options written beside the name
    (``toolsets: [{name: clock, timezone: UTC}]``) and returns a ``Toolset``."""

    name: str
    title: str
    factory: str | Callable[..., Toolset]
    description: str = ""
    plugin: str = ""

    def create(self, options: Mapping[str, Any]) -> Toolset:
        return load_object(self.factory)(**options)  # type: ignore[no-any-return]

    def check(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"toolset name {self.name!r} must be an identifier")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """An ``agentplug`` subcommand: ``configure`` adds its arguments to an argparse parser,
    ``run`` handles the parsed arguments and returns the exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    plugin: str = ""

    def check(self) -> None:
        if not self.name.replace("-", "_").isidentifier():
            raise ValueError(f"command name {self.name!r} must be a word")


def load_object(target: str | Callable[..., Any]) -> Any:
    """``"package.module:attr"`` imported on first use; a callable is returned as it is."""
    if callable(target):
        return target
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


SpecT = TypeVar("SpecT", BackendSpec, ToolsetSpec, CommandSpec)


class Registry(Generic[SpecT]):
    """Declarations of one kind, by name; a duplicate name is an error naming both plugins."""

    def __init__(self, kind: str = "backend type") -> None:
        self.kind = kind
        self._specs: dict[str, SpecT] = {}

    def register(self, spec: SpecT) -> None:
        name = _name(spec)
        if name in self._specs:
            first = self._specs[name].plugin
            raise PluginError(
                spec.plugin,
                f"{self.kind} {name!r} is already declared by plugin {first!r}; "
                "the second declaration was ignored",
            )
        try:
            spec.check()
        except ValueError as exc:
            raise PluginError(spec.plugin, f"invalid declaration of {name!r}: {exc}") from exc
        self._specs[name] = spec

    def get(self, name: str) -> SpecT:
        try:
            return self._specs[name]
        except KeyError:
            if self.kind == "backend type":
                raise UnknownBackendError(name, list(self._specs)) from None
            known = ", ".join(sorted(self._specs)) or "none"
            raise UsageError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[SpecT]:
        return iter(sorted(self._specs.values(), key=_name))

    def __len__(self) -> int:
        return len(self._specs)


def _name(spec: BackendSpec | ToolsetSpec | CommandSpec) -> str:
    return spec.type if isinstance(spec, BackendSpec) else spec.name
