"""The plugin host: built-in and third-party plugins load through the same hooks.

Built-ins are the public modules of ``agentplug.plugins``; third-party plugins are entry
points in the ``agentplug`` group. A plugin that fails to import, raises while registering or
declares a duplicate type is recorded as a problem with its name; the host keeps going.

``AGENTPLUG_DISABLE_PLUGINS=name,name`` blocks plugins by name (entry-point names, or
``builtin:<module>``); ``AGENTPLUG_LOAD_ENTRY_POINTS=0`` loads built-ins only.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError
from .registry import BackendSpec, CommandSpec, Registry, ToolsetSpec

ENTRY_POINT_GROUP = "agentplug"


@dataclass(frozen=True, slots=True)
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r}: {self.message}"


class PluginHost:
    def __init__(self, *, load_entry_points: bool | None = None,
                 disabled: set[str] | None = None) -> None:
        if load_entry_points is None:
            load_entry_points = os.environ.get("AGENTPLUG_LOAD_ENTRY_POINTS", "1") != "0"
        if disabled is None:
            disabled = {
                n.strip() for n in os.environ.get("AGENTPLUG_DISABLE_PLUGINS", "").split(",")
                if n.strip()
            }
        self.pm = pluggy.PluginManager("agentplug")
        self.pm.add_hookspecs(hookspecs)
        self.problems: list[PluginProblem] = []
        self.registry: Registry[BackendSpec] = Registry("backend type")
        self.toolsets: Registry[ToolsetSpec] = Registry("toolset")
        self.commands: Registry[CommandSpec] = Registry("command")
        for name in disabled:
            self.pm.set_blocked(name)
        self._load_builtins()
        if load_entry_points:
            self._load_entry_points()
        self._collect()

    def _add(self, name: str, module: ModuleType) -> None:
        if self.pm.is_blocked(name):
            return
        try:
            self.pm.register(module, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self.problems.append(PluginProblem(name, f"rejected: {exc}"))

    def _load_builtins(self) -> None:
        import agentplug.plugins as builtin

        for info in pkgutil.iter_modules(builtin.__path__):
            if info.name.startswith("_"):
                continue  # private modules hold implementations, not declarations
            name = f"builtin:{info.name}"
            if self.pm.is_blocked(name):
                continue
            module = f"agentplug.plugins.{info.name}"
            self._import_and_add(name, module, partial(importlib.import_module, module))

    def _load_entry_points(self) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if self.pm.is_blocked(ep.name):
                continue
            dist = f" (from {ep.dist.name})" if ep.dist else ""
            self._import_and_add(ep.name, ep.value + dist, ep.load)

    def _import_and_add(self, name: str, where: str, load: Callable[[], ModuleType]) -> None:
        try:
            module = load()
        except Exception as exc:  # a broken plugin must never take the host down
            self.problems.append(
                PluginProblem(name, f"failed to load {where}: {type(exc).__name__}: {exc}"))
            return
        self._add(name, module)

    def _collect(self) -> None:
        self._collect_hook("register_backends", BackendSpec, self.registry)
        self._collect_hook("register_toolsets", ToolsetSpec, self.toolsets)
        self._collect_hook("register_commands", CommandSpec, self.commands)

    def _collect_hook(self, hook: str, kind: type[Any], registry: Registry[Any]) -> None:
        # Each plugin's hook is called on its own so that one failing plugin does not stop
        # the others (pluggy would abort the whole hook call on the first exception).
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            plugin = impl.plugin_name

            def register(spec: Any, _plugin: str = plugin) -> None:
                if not isinstance(spec, kind):
                    raise PluginError(_plugin, f"register() takes a {kind.__name__}, "
                                               f"got {spec!r}")
                object.__setattr__(spec, "plugin", _plugin)
                try:
                    registry.register(spec)
                except PluginError as exc:  # keep this plugin's other declarations
                    self.problems.append(PluginProblem(_plugin, str(exc).split(": ", 1)[-1]))

            try:
                impl.function(**{arg: register for arg in impl.argnames})
            except Exception as exc:
                self.problems.append(
                    PluginProblem(plugin, f"{hook} raised {type(exc).__name__}: {exc}"))

    def backend(self, type_name: str) -> BackendSpec:
        return self.registry.get(type_name)


@lru_cache(maxsize=1)
def default_host() -> PluginHost:
    """The process-wide host, built on first use."""
    return PluginHost()
