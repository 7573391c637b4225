"""The hooks a plugin may implement. Keep them declarative: pluggy hooks are synchronous.

Each hook hands the plugin a ``register`` callback; a plugin implements only the hooks it
needs, and pluggy passes an implementation only the arguments it names, so a hook can grow
new arguments without breaking old plugins.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from .registry import BackendSpec, CommandSpec, ToolsetSpec

hookspec = pluggy.HookspecMarker("agentplug")
hookimpl = pluggy.HookimplMarker("agentplug")


@hookspec
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    """Declare backends: call ``register(BackendSpec(...))`` once per backend type."""


@hookspec
def register_toolsets(register: Callable[[ToolsetSpec], None]) -> None:
    """Declare named toolsets that configs give agents: ``register(ToolsetSpec(...))``."""


@hookspec
def register_commands(register: Callable[[CommandSpec], None]) -> None:
    """Add ``agentplug`` subcommands: ``register(CommandSpec(...))``."""
