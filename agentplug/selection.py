"""Which backend ``agentplug run`` uses when no config names one.

An explicit ``--backend`` always wins. Otherwise the backend with the lowest ``auto_rank``
whose key is in the environment is used, and the embedded local model when none is. Ranks
and key names come from each backend's declaration, so a third-party backend takes part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core.registry import BackendSpec, Registry

LOCAL = "local"


def choose_backend(backend: str | None, model: str | None, environ: Mapping[str, str],
                   registry: Registry[BackendSpec]) -> tuple[dict[str, Any], str]:
    """The raw backend config and a one-line reason to show the user ("" when none is due)."""
    if backend:
        return _raw(backend, model), ""
    ranked = sorted((s for s in registry if s.auto_rank is not None),
                    key=lambda s: (s.auto_rank, s.type))
    for spec in ranked:
        name = spec.type
        key = next((var for var in spec.env_vars if environ.get(var)), None)
        if key:
            return _raw(name, model), (
                f"agentplug: using backend {name!r} because {key} is set "
                f"(--backend {LOCAL} forces the embedded local model)")
    return _raw(LOCAL, model), ""


def _raw(backend: str, model: str | None) -> dict[str, Any]:
    return {"type": backend, **({"model": model} if model else {})}
