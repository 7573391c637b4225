"""Params of the self-hosted inference servers (vllm, sglang). Cheap: no SDK import."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from .compat_params import CompatParams



class InferenceServerParams(CompatParams):
    top_k: int | None = Field(None, ge=-1, description="sample from the k likeliest tokens "
                                                       "(-1: all)")
    min_p: float | None = Field(None, ge=0, le=1)
    repetition_penalty: float | None = Field(None, gt=0)
    chat_template_kwargs: dict[str, Any] | None = Field(
        None, description="passed to the chat template, e.g. {enable_thinking: false}")
    separate_reasoning: bool = Field(
        True, description="report the model's thinking as reasoning, apart from the answer")
    probe_ports: list[int] | None = Field(
        None, description="localhost ports to try when base_url does not answer "
                          "(default: the engine's own port, then the other engine's)")
    probe_timeout: float = Field(2.0, gt=0, description="seconds per GET /v1/models probe")

    @model_validator(mode="after")
    def _somewhere_to_look(self) -> InferenceServerParams:
        if self.probe_ports == [] and not self.base_url:
            raise ValueError("probe_ports is empty and base_url is not set: nowhere to look "
                             "for the server; give base_url or some probe_ports")
        return self
