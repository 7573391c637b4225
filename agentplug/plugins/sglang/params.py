"""The ``sglang`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from agentplug.sdk.inference_server_params import InferenceServerParams


class SGLangParams(InferenceServerParams):
    pass
