"""The ``vllm`` backend's runtime: a vLLM server found by probing, spoken to in Chat Completions."""

from __future__ import annotations

from agentplug.sdk.inference_server import SGLANG_PORT, VLLM_PORT, InferenceServerBackend


class VLLMBackend(InferenceServerBackend):
    engine = "vLLM"
    ports = (VLLM_PORT, SGLANG_PORT)

    def start_hint(self) -> str:
        return "`vllm serve <model> --port 8000`"
