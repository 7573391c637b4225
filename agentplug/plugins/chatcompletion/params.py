"""The ``chatcompletion`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pydantic import Field, model_validator

from agentplug.sdk.compat_params import CompatParams

from . import ALIASES, PRESETS


class ChatCompletionParams(CompatParams):
    provider: str | None = Field(None, description=f"a preset: {', '.join(PRESETS)}")
    # Sampling keys of self-hosted engines (vLLM, SGLang) that MassGen documents for
    # chatcompletion: sent in the request body when set.
    top_k: int | None = Field(None, ge=-1, description="sample from the k likeliest tokens")
    min_p: float | None = Field(None, ge=0, le=1)
    repetition_penalty: float | None = Field(None, gt=0)
    separate_reasoning: bool | None = Field(
        None, description="SGLang: return the model's thinking apart from the answer")

    @model_validator(mode="after")
    def _provider(self) -> ChatCompletionParams:
        if self.provider is not None:
            name = ALIASES.get(self.provider.lower(), self.provider.lower())
            if name not in PRESETS:
                raise ValueError(f"unknown provider {self.provider!r}; presets: "
                                 f"{', '.join(PRESETS)} (or give base_url)")
            self.provider = name
        elif not self.base_url:
            raise ValueError("chatcompletion needs `base_url` or `provider` "
                             f"(one of {', '.join(PRESETS)})")
        if not self.model:
            raise ValueError("chatcompletion needs `model`")
        preset = PRESETS.get(self.provider or "")
        for flag in ("enable_web_search", "enable_code_execution", "enable_code_interpreter"):
            if getattr(self, flag) and (preset is None or flag not in preset.tool_flags):
                where = preset.title if preset else "a generic endpoint"
                raise ValueError(f"{flag}: {where} offers no such built-in tool through "
                                 "Chat Completions; use function tools or MCP servers instead")
        return self
