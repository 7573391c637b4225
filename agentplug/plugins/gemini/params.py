"""The ``gemini`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from agentplug.core.params import BackendParams

from . import DEFAULT_MODEL, THRESHOLDS, combine_error, combines_builtin_tools


class GeminiParams(BackendParams):
    _BY_URL: ClassVar[str] = ("the Gemini API reads files by content or by a Files API URI, "
                              "not from a web URL: download it and give its path")
    generation_support: ClassVar[dict[str, str]] = {
        "enable_image_generation": "yes",  # an image model's IMAGE response modality
        "enable_audio_generation": "the Gemini API's speech output is the Live API and its "
                                   "TTS models, which agentplug does not drive; give the "
                                   "agent a speech tool as custom_tools",
        "enable_video_generation": "Veo is a separate long-running Gemini API operation, not "
                                   "a response of the model; give the agent a video tool",
        "enable_file_generation": "the Gemini API has no file generation; give the agent a "
                                  "file-writing tool as custom_tools"}
    upload_support: ClassVar[dict[str, str]] = {
        "image": "yes", "document": "yes", "audio": "yes", "video": "yes",
        "image_url": _BY_URL, "document_url": _BY_URL, "audio_url": _BY_URL,
        "video_url": _BY_URL}
    api_version: Literal["v1", "v1beta", "v1alpha"] = Field(
        "v1beta", description="API version in the URL (thinking and built-in tools need v1beta)")
    include_thoughts: bool | None = Field(
        None, description="stream thought summaries as reasoning (default: on for thinking "
                          "models)")
    thinking_budget: int | None = Field(
        None, ge=-1, description="thinking tokens (Gemini 2.5): -1 dynamic, 0 off")
    thinking_level: Literal["minimal", "low", "medium", "high"] | None = Field(
        None, description="thinking level (Gemini 3)")
    top_p: float | None = Field(None, ge=0, le=1)
    top_k: int | None = Field(None, gt=0)
    stop_sequences: list[str] | None = None
    seed: int | None = None
    safety_settings: dict[str, str] | None = Field(
        None, description="MassGen's shape: {HARM_CATEGORY_...: BLOCK_...} thresholds")
    retry_initial_delay: float | None = Field(
        None, ge=0, description="seconds before the first retry (SDK default 1.0)")
    headers: dict[str, str] | None = None

    @field_validator("safety_settings")
    @classmethod
    def _safety(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for category, threshold in (value or {}).items():
            if not category.startswith("HARM_CATEGORY_"):
                raise ValueError(f"safety_settings: {category!r} is not a HARM_CATEGORY_...")
            if threshold not in THRESHOLDS:
                raise ValueError(f"safety_settings.{category}: {threshold!r} is not one of "
                                 f"{', '.join(THRESHOLDS)}")
        return value

    @model_validator(mode="after")
    def _builtins_fit_model(self) -> GeminiParams:
        model = self.model or DEFAULT_MODEL
        flags = [f for f in ("enable_web_search", "enable_code_execution") if getattr(self, f)]
        if flags and self.mcp_servers and not combines_builtin_tools(model):
            raise ValueError(combine_error(model, flags, "MCP servers (mcp_servers)"))
        if self.thinking_budget is not None and self.thinking_level is not None:
            raise ValueError("set thinking_budget (Gemini 2.5) or thinking_level (Gemini 3), "
                             "not both")
        if self.enable_image_generation and "image" not in model:
            raise ValueError(f"enable_image_generation: {model!r} does not generate images; "
                             "use a Gemini image model (gemini-2.5-flash-image, "
                             "gemini-3-pro-image-preview)")
        return self
