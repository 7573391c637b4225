"""The ``zai`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pydantic import Field

from agentplug.sdk.compat_params import CompatParams


class ZaiParams(CompatParams):
    thinking: bool | None = Field(
        None, description="GLM deep thinking: true sends thinking {type: enabled}, false "
                          "{type: disabled}; unset leaves the model's default")
    clear_thinking: bool | None = Field(
        None, description="thinking.clear_thinking: drop earlier turns' reasoning")
