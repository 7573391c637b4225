"""The ``openai`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from agentplug.core.params import BackendParams, HTTPClientParams, StrictModel

Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
Summary = Literal["auto", "concise", "detailed"]
Verbosity = Literal["low", "medium", "high"]


class ReasoningConfig(StrictModel):
    """The Responses API's ``reasoning`` request field, as the API spells it."""

    effort: Effort | None = None
    summary: Summary | None = Field(None, description="defaults to auto when effort is set")


class TextConfig(StrictModel):
    """The Responses API's ``text`` request field: ``verbosity`` and output ``format``
    (``{type: json_schema, ...}``), sent as written."""

    verbosity: Verbosity | None = None
    format: dict[str, Any] | None = None


class OpenAIParams(BackendParams, HTTPClientParams):
    generation_toolsets: ClassVar[dict[str, str]] = {
        "enable_audio_generation": "agentplug.plugins.openai.speech:speech_toolset"}
    upload_support: ClassVar[dict[str, str]] = {
        "image": "yes", "image_url": "yes", "document": "yes", "document_url": "yes",
        "audio": "the Responses API takes no audio input",
        "video": "the Responses API takes no video input"}
    generation_support: ClassVar[dict[str, str]] = {
        "enable_image_generation": "yes",  # the Responses image_generation tool
        "enable_audio_generation": "yes",  # a generate_speech tool over the Speech API
        "enable_video_generation":
            "the Responses API has no video tool (OpenAI's Sora is the separate Videos API); "
            "give the agent a video tool as custom_tools",
        "enable_file_generation":
            "the Responses API has no file generation tool; enable_code_interpreter writes "
            "files in its container, or give the agent a file-writing tool as custom_tools",
    }
    reasoning: ReasoningConfig | None = Field(
        None, description="{effort, summary}: the API's own shape (canonical)")
    text: TextConfig | None = Field(None, description="{verbosity, format}: the API's own shape")
    reasoning_effort: Effort | None = Field(None, description="alias of reasoning.effort")
    reasoning_summary: Summary | None = Field(None, description="alias of reasoning.summary")
    text_verbosity: Verbosity | None = Field(None, description="alias of text.verbosity")
    speech_model: str = Field("gpt-4o-mini-tts", description="the Speech API model that "
                                                             "enable_audio_generation uses")
    top_p: float | None = Field(None, ge=0, le=1)
    store: bool | None = Field(
        None, description="let OpenAI keep responses (default true); false sends reasoning "
                          "back as encrypted content instead")
    parallel_tool_calls: bool | None = None
    max_tool_calls: int | None = Field(None, gt=0, description="cap on built-in tool calls")
    service_tier: Literal["auto", "default", "flex", "scale", "priority"] | None = None
    headers: dict[str, str] | None = None
    extra_body: dict[str, Any] | None = Field(None, description="extra request fields")

    @model_validator(mode="after")
    def _one_shape(self) -> OpenAIParams:
        # The flat names fold into the nested fields, which are what is sent.
        for flat, nested, attr in (("reasoning_effort", "reasoning", "effort"),
                                   ("reasoning_summary", "reasoning", "summary"),
                                   ("text_verbosity", "text", "verbosity")):
            value = getattr(self, flat)
            if value is None:
                continue
            holder = getattr(self, nested) or (
                ReasoningConfig() if nested == "reasoning" else TextConfig())
            if getattr(holder, attr) not in (None, value):
                raise ValueError(f"{flat} ({value}) contradicts {nested}.{attr} "
                                 f"({getattr(holder, attr)}): write {nested}.{attr} only")
            setattr(holder, attr, value)
            setattr(self, nested, holder)
        r = self.reasoning
        # Without a summary the API streams no reasoning text at all, only opaque items.
        if r is not None and r.effort not in (None, "none") and r.summary is None:
            r.summary = "auto"
        if r is not None:
            self.reasoning_effort, self.reasoning_summary = r.effort, r.summary
        if self.text is not None:
            self.text_verbosity = self.text.verbosity
        return self
