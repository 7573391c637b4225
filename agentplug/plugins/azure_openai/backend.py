"""``azure_openai`` runtime: ``AsyncAzureOpenAI`` on Chat Completions.

The SDK turns ``model`` (the deployment name) into the path
``{endpoint}/openai/deployments/{model}/chat/completions?api-version=...`` and sends the key
in an ``api-key`` header. The SDK reads ``OPENAI_API_VERSION`` by itself; Azure's own docs
name ``AZURE_OPENAI_API_VERSION``, so both are read here (that one first).
"""

from __future__ import annotations

import os
from typing import Any

from agentplug.core.errors import ConfigError, ConfigIssue
from agentplug.sdk.openai_sdk import openai_module
from agentplug.sdk.chat_completions import ChatCompletionsBackend
from .params import AzureOpenAIParams


class AzureChatBackend(ChatCompletionsBackend):
    params: AzureOpenAIParams

    @property
    def model_name(self) -> str | None:
        # The request's `model` is the deployment: the SDK puts it in the URL path.
        return self.params.deployment

    def endpoint(self) -> str:
        p = self.params
        endpoint = p.azure_endpoint or p.base_url or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ConfigError(ConfigIssue(
                "backend.azure_endpoint", "no Azure OpenAI endpoint",
                hint="export AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com "
                     "or put `azure_endpoint:` in the backend config"))
        return endpoint.rstrip("/")

    def api_version(self) -> str:
        version = (self.params.api_version or os.environ.get("AZURE_OPENAI_API_VERSION")
                   or os.environ.get("OPENAI_API_VERSION"))
        if not version:
            raise ConfigError(ConfigIssue(
                "backend.api_version", "no Azure OpenAI API version",
                hint="export AZURE_OPENAI_API_VERSION=2024-10-21 (or a newer version your "
                     "resource supports) or put `api_version:` in the backend config"))
        return version

    def base_url(self) -> str:
        return self.endpoint()

    def url_of(self, client: Any) -> str:
        return f"{self.endpoint()}/openai/deployments/{self.params.deployment}"

    def client_factory(self) -> Any:
        return openai_module().AsyncAzureOpenAI

    def client_settings(self) -> dict[str, Any]:
        endpoint = self.endpoint()
        settings = super().client_settings()
        settings["api_version"] = self.api_version()
        # An endpoint that already names the /openai path is a full base URL (a gateway).
        if "/openai" not in endpoint:
            settings["azure_endpoint"] = settings.pop("base_url")
        return settings
