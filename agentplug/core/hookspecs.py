"""The hooks a plugin may implement. Keep them declarative: pluggy hooks are synchronous."""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from .registry import BackendSpec

hookspec = pluggy.HookspecMarker("agentplug")
hookimpl = pluggy.HookimplMarker("agentplug")


@hookspec
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    """Declare backends: call ``register(BackendSpec(...))`` once per backend type."""
