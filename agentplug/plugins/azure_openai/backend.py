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
from agentplug.sdk.clients import openai_module
from agentplug.sdk.compat import CompatChatBackend
from . import AzureOpenAIParams


class AzureChatBackend(CompatChatBackend):
    params: AzureOpenAIParams

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

    @property
    def url(self) -> str:
        return f"{self.endpoint()}/openai/deployments/{self.params.model}"

    def client_factory(self) -> Any:
        return openai_module().AsyncAzureOpenAI

    def client_settings(self) -> dict[str, Any]:
        p = self.params
        endpoint = self.endpoint()
        settings: dict[str, Any] = {"api_key": self.api_key(), "api_version": self.api_version()}
        # An endpoint that already names the /openai path is a full base URL (a gateway).
        if "/openai" in endpoint:
            settings["base_url"] = endpoint
        else:
            settings["azure_endpoint"] = endpoint
        if p.max_retries is not None:
            settings["max_retries"] = p.max_retries
        if p.timeout is not None:
            settings["timeout"] = p.timeout
        if p.headers:
            settings["default_headers"] = p.headers
        return settings
