"""``azure_openai``: Azure OpenAI deployments through Chat Completions (function tools, MCP)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec

from agentplug.sdk.compat_params import CompatParams, refuse_all

MODELS = ("gpt-4", "gpt-4o", "gpt-35-turbo", "gpt-4.1", "gpt-5-chat")


class AzureOpenAIParams(CompatParams):
    azure_endpoint: str | None = Field(
        None, description="https://<resource>.openai.azure.com (default: "
                          "$AZURE_OPENAI_ENDPOINT; `base_url` is accepted too)")
    api_version: str | None = Field(
        None, description="the api-version query parameter (default: "
                          "$AZURE_OPENAI_API_VERSION)")
    deployment_name: str | None = Field(
        None, description="the deployment requests go to, when it is not named after "
                          "`model` (MassGen's key); `model` then names the model, for prices")

    @property
    def deployment(self) -> str:
        return self.deployment_name or self.model or ""

    @model_validator(mode="after")
    def _deployment(self) -> AzureOpenAIParams:
        if not self.model and not self.deployment_name:
            raise ValueError("azure_openai needs `model`: the name of your deployment "
                             "(Azure portal → Deployments), e.g. model: gpt-4o (or "
                             "`deployment_name:` beside the model's own name)")
        if self.azure_endpoint and self.base_url:
            raise ValueError("give `azure_endpoint` or `base_url`, not both (they are the "
                             "same setting)")
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="azure_openai",
        structured_output="native",
        title="Azure OpenAI",
        factory="agentplug.plugins.azure_openai.backend:AzureChatBackend",
        params=AzureOpenAIParams,
        capabilities=frozenset({"function_tools", "mcp", "vision"}),
        tool_flags=refuse_all(
            "Limited tool support: Azure OpenAI deployments offer no built-in tools through "
            "Chat Completions; use function tools or MCP servers"),
        env_vars=("AZURE_OPENAI_API_KEY",),
        setup="AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_VERSION",
        notes="Limited tool support",
        extra="openai",
        sdk_modules=("openai",),
        pricing="azure",
        models=MODELS,
    ))
