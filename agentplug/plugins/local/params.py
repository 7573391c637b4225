"""The ``local`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from agentplug.sdk.compat_params import CompatParams

from .model import DEFAULT_MODEL, check_model_value


class LocalParams(CompatParams):
    model: str | None = Field(
        None, description=f"a GGUF file path (default: the embedded {DEFAULT_MODEL})")
    # Small models ramble at the server's default temperature; SmolLM2's authors suggest 0.2.
    temperature: float | None = Field(0.2, ge=0, le=2)
    # Without a cap a 135M model may fill the whole context at ~30 tokens/s.
    max_tokens: int | None = Field(512, gt=0)
    n_ctx: int = Field(2048, gt=0, description="context window in tokens")
    n_threads: int | None = Field(None, gt=0, description="CPU threads (default: llama.cpp's)")
    chat_format: str | None = Field(
        None, description="llama-cpp-python chat format (default: the GGUF's own template), "
                          "e.g. chatml-function-calling for tool calls")
    port: int | None = Field(None, ge=1, le=65535,
                             description="fixed server port (default: a free one)")
    startup_timeout: float = Field(120, gt=0, description="seconds to load the model")

    @field_validator("model")
    @classmethod
    def _model_file(cls, value: str | None) -> str | None:
        check_model_value(value)
        return value

    @model_validator(mode="after")
    def _no_base_url(self) -> LocalParams:
        if self.base_url:
            raise ValueError("local starts and owns its own llama.cpp server, so it takes no "
                             "`base_url`; for a server you run yourself use `type: "
                             "chatcompletion` with its base_url")
        return self
