"""The ``lmstudio`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pydantic import Field, model_validator

from agentplug.sdk.compat_params import CompatParams


class LMStudioParams(CompatParams):
    manage_server: bool = Field(
        True, description="drive the `lms` CLI: start the server, download and load the "
                          "model if needed, and undo only that on close")
    lms_path: str | None = Field(None, description="the lms executable (default: PATH, then "
                                                   "LM Studio's own bin folder)")
    download_timeout: float = Field(3600, gt=0, description="seconds for `lms get`")
    cli_timeout: float = Field(300, gt=0, description="seconds for other lms commands "
                                                      "(server start, load)")

    @model_validator(mode="after")
    def _model(self) -> LMStudioParams:
        if not self.model:
            raise ValueError("lmstudio needs `model`: an LM Studio model key (see `lms ls`), "
                             "e.g. model: qwen/qwen3-4b")
        return self
