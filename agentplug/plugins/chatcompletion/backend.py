"""The ``chatcompletion`` backend's runtime: any OpenAI-compatible endpoint, or a preset."""

from __future__ import annotations

from typing import Any

from agentplug.core.requirements import resolve_api_key
from . import ChatCompletionParams
from agentplug.sdk.chat_completions import ChatCompletionsBackend, is_local
from agentplug.sdk.clients import client_settings


class GenericChatBackend(ChatCompletionsBackend):
    """``type: chatcompletion``: any OpenAI-compatible endpoint, or a named preset."""

    params: ChatCompletionParams

    def client_settings(self) -> dict[str, Any]:
        p = self.params
        preset = self.spec.presets.get(p.provider) if p.provider else preset_for_url(
            self.spec, p.base_url)
        base_url = p.base_url or (preset.base_url if preset else None)
        env_vars = (preset.env_var,) if preset and preset.env_var else ("OPENAI_API_KEY",)
        local = is_local(base_url)
        key = resolve_api_key(p, env_vars, self.name, required=not local) or "not-needed"
        return client_settings(base_url=base_url, api_key=key, max_retries=p.max_retries,
                               timeout=p.timeout, headers=p.headers)

    def request_options(self) -> dict[str, Any]:
        p = self.params
        opts = super().request_options()
        for key in ("top_p", "stop", "seed", "presence_penalty", "frequency_penalty"):
            if (value := getattr(p, key)) is not None:
                opts[key] = value
        if p.extra_body:
            opts["extra_body"] = p.extra_body
        return opts


def preset_for_url(spec: Any, base_url: str | None) -> Any:
    if not base_url:
        return None
    for preset in spec.presets.values():
        if base_url.rstrip("/").startswith(preset.base_url.rstrip("/")):
            return preset
    return None
