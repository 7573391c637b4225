"""Which backend ``agentplug run`` uses when no config names one.

An explicit ``--backend`` always wins. Otherwise the backend with the lowest ``auto_rank``
whose key is in the environment is used; when no key is found, the lowest-ranked backend that
needs none (the embedded local model). Ranks and key names come from each backend's
declaration, so a third-party backend takes part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core.errors import UsageError
from .core.registry import BackendSpec, Registry


def choose_backend(backend: str | None, model: str | None, environ: Mapping[str, str],
                   registry: Registry[BackendSpec]) -> tuple[dict[str, Any], str]:
    """The raw backend config and a one-line reason to show the user ("" when none is due)."""
    if backend:
        return _raw(backend, model), ""
    ranked = sorted((s for s in registry if s.auto_rank is not None),
                    key=lambda s: (s.auto_rank, s.type))
    keyless = next((s.type for s in ranked if not s.env_vars), None)
    for spec in ranked:
        key = next((var for var in spec.env_vars if environ.get(var)), None)
        if key:
            forces = f" (--backend {keyless} needs no key)" if keyless else ""
            return _raw(spec.type, model), (
                f"agentplug: using backend {spec.type!r} because {key} is set{forces}")
    if keyless is None:
        raise UsageError("no backend to run: set a provider key or pass --backend "
                         "(`agentplug backends` lists them)")
    return _raw(keyless, model), ""


def _raw(backend: str, model: str | None) -> dict[str, Any]:
    return {"type": backend, **({"model": model} if model else {})}
