"""Params shared by the OpenAI-compatible backends (azure_openai, grok, zai, lmstudio, vllm,
sglang). Their params modules import it; it needs no SDK."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from agentplug.core.params import BackendParams, HTTPClientParams


class CompatParams(BackendParams, HTTPClientParams):
    """Sampling and transport keys every Chat Completions endpoint understands."""

    # Images go as `image_url` parts (vision models); documents as the `file` part, which
    # OpenAI defined: the endpoint must accept it.
    upload_support: ClassVar[dict[str, str]] = {
        "image": "yes", "image_url": "yes", "document": "yes",
        "document_url": "Chat Completions takes documents by content only: download it and "
                        "give its path",
        "audio": "agentplug sends no audio input through Chat Completions",
        "video": "Chat Completions takes no video input"}

    top_p: float | None = Field(None, ge=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    headers: dict[str, str] | None = Field(None, description="extra HTTP headers")
    extra_body: dict[str, Any] | None = Field(
        None, description="extra request fields (win over the backend's own)")
