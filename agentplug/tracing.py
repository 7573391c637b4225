"""OpenTelemetry tracing for agentplug (``pip install 'agentplug[otel]'``); see docs/tracing.md.

``enable()`` turns spans on (or set ``AGENTPLUG_TRACING=1``); ``span()`` wraps any code that
drives agents (a batch task, a group-chat turn) so their turns nest under it.
"""

from __future__ import annotations

from .core.tracing import (
    ENV_CONTENT, ENV_SWITCH, Tracing, active, carrier, disable, enable, span,
)

__all__ = ["ENV_CONTENT", "ENV_SWITCH", "Tracing", "active", "carrier", "disable", "enable",
           "span"]
