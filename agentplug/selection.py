"""Which backend ``agentplug run`` uses when no config names one.

An explicit ``--backend`` always wins. Otherwise the first provider whose key is in the
environment is used, in the order below, and the embedded local model when none is. The key
names come from each backend's declaration, so a renamed variable is changed in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core.registry import Registry

LOCAL = "local"
# Providers that need nothing but a key; azure_openai also needs an endpoint, so it is only
# used when named.
KEYED_PROVIDERS = ("openai", "claude", "gemini", "grok", "zai")


def choose_backend(backend: str | None, model: str | None, environ: Mapping[str, str],
                   registry: Registry) -> tuple[dict[str, Any], str]:
    """The raw backend config and a one-line reason to show the user ("" when none is due)."""
    if backend:
        return _raw(backend, model), ""
    for name in KEYED_PROVIDERS:
        if name not in registry:
            continue
        key = next((var for var in registry.get(name).env_vars if environ.get(var)), None)
        if key:
            return _raw(name, model), (
                f"agentplug: using backend {name!r} because {key} is set "
                f"(--backend {LOCAL} forces the embedded local model)")
    return _raw(LOCAL, model), ""


def _raw(backend: str, model: str | None) -> dict[str, Any]:
    return {"type": backend, **({"model": model} if model else {})}
