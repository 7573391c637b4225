"""The ``sglang`` backend's runtime: an SGLang server found by probing, spoken to in Chat
Completions."""

from __future__ import annotations

from typing import Any

from agentplug.sdk.inference_server import SGLANG_PORT, VLLM_PORT, InferenceServerBackend


class SGLangBackend(InferenceServerBackend):
    engine = "SGLang"
    ports = (SGLANG_PORT, VLLM_PORT)

    def start_hint(self) -> str:
        return "`python -m sglang.launch_server --model-path <model> --port 30000`"

    def extra_body(self) -> dict[str, Any]:
        # SGLang splits reasoning from content per request (with --reasoning-parser).
        return {**super().extra_body(), "separate_reasoning": self.params.separate_reasoning}
