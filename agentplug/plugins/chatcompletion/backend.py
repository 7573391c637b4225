"""The ``chatcompletion`` backend's runtime: any OpenAI-compatible endpoint, or a preset."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentplug.core.registry import Preset
from agentplug.core.structured import OutputSpec, OutputSupport
from agentplug.sdk.chat_completions import ChatCompletionsBackend

from .params import ChatCompletionParams


class GenericChatBackend(ChatCompletionsBackend):
    """``type: chatcompletion``: the endpoint and key variable come from the preset (named,
    or recognised from ``base_url``)."""

    params: ChatCompletionParams

    def _preset(self) -> Preset | None:
        return self.spec.preset_for(self.params.provider, self.params.base_url)

    def base_url(self) -> str | None:
        preset = self._preset()
        url = self.params.base_url or (preset.base_url if preset else None)
        return url.rstrip("/") if url else None

    def extra_body(self) -> dict[str, Any]:
        p = self.params
        return {k: v for k in ("top_k", "min_p", "repetition_penalty", "separate_reasoning")
                if (v := getattr(p, k)) is not None}

    def output_support(self) -> OutputSupport:
        """Typed answers as the preset's provider takes them (a generic endpoint: the
        type's native ``response_format``)."""
        preset = self._preset()
        if preset is None:
            return OutputSupport(self.spec.structured_output)
        return OutputSupport(preset.output_strategy(self.model_name, self.spec.structured_output),
                             preset.schema_in_prompt)

    def shape_output(self, request: dict[str, Any], output: OutputSpec) -> None:
        super().shape_output(request, output)
        preset = self._preset()
        if preset is not None and preset.native_body:
            request["extra_body"] = {**preset.native_body, **request.get("extra_body", {})}

    def forces_tool_choice(self) -> bool:
        preset = self._preset()
        return preset.forced_tool_choice if preset is not None else True

    def key_env_vars(self) -> Sequence[str]:
        preset = self._preset()
        return (preset.env_var,) if preset and preset.env_var else ("OPENAI_API_KEY",)
