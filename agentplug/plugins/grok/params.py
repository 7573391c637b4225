"""The ``grok`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from agentplug.sdk.compat_params import CompatParams


class GrokParams(CompatParams):
    reasoning_effort: Literal["low", "high"] | None = Field(
        None, description="reasoning effort (grok-3-mini)")
    web_search_options: dict[str, Any] | None = Field(
        None, description="fields of the web_search tool, e.g. {allowed_domains: [...]} or "
                          "{excluded_domains: [...]} (with enable_web_search)")
