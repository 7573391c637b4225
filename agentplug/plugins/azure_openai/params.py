"""The ``azure_openai`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pydantic import Field, model_validator

from agentplug.sdk.compat_params import CompatParams


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
