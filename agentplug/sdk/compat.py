"""The runtime base of the hosted OpenAI-compatible backends: URL, key and request fields.

Each backend names its default base URL; the key comes from ``api_key:`` or the spec's env
vars. Request fields are the common sampling keys plus the backend's own ``extra_body()``,
under the user's ``extra_body`` (which wins, so any provider field can be overridden).
"""

from __future__ import annotations

from typing import Any, ClassVar

from agentplug.core.requirements import resolve_api_key
from .chat_completions import ChatCompletionsBackend, is_local
from .compat_params import CompatParams
from .clients import client_settings

_SAMPLING = ("top_p", "stop", "seed", "presence_penalty", "frequency_penalty")


class CompatChatBackend(ChatCompletionsBackend):
    params: CompatParams
    default_base_url: ClassVar[str] = ""
    # Local servers ignore the key, but the SDK insists on one.
    key_required: ClassVar[bool] = True

    def base_url(self) -> str:
        return (self.params.base_url or self.default_base_url).rstrip("/")

    @property
    def url(self) -> str:
        return self.base_url()

    def api_key(self) -> str:
        required = self.key_required and not is_local(self.base_url())
        key = resolve_api_key(self.params, self.spec.env_vars, self.name, required=required)
        return key or "not-needed"

    def client_settings(self) -> dict[str, Any]:
        p = self.params
        return client_settings(base_url=self.base_url(), api_key=self.api_key(),
                               max_retries=p.max_retries, timeout=p.timeout, headers=p.headers)

    def extra_body(self) -> dict[str, Any]:
        """Provider-specific fields the openai SDK does not know (sent via ``extra_body``)."""
        return {}

    def request_options(self) -> dict[str, Any]:
        p = self.params
        opts = super().request_options()
        for key in _SAMPLING:
            if (value := getattr(p, key)) is not None:
                opts[key] = value
        extra = {**self.extra_body(), **(p.extra_body or {})}
        if extra:
            opts["extra_body"] = extra
        return opts
