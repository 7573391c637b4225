"""``zai`` runtime: Z AI's OpenAI-compatible endpoint (``https://api.z.ai/api/paas/v4``).

GLM streams its thinking as ``delta.reasoning_content`` (reported as reasoning); the
``thinking`` request field is not an openai SDK parameter, so it travels in ``extra_body``.
"""

from __future__ import annotations

from typing import Any

from agentplug.sdk.chat_completions import ChatCompletionsBackend
from . import BASE_URL
from .params import ZaiParams


class ZaiBackend(ChatCompletionsBackend):
    params: ZaiParams
    default_base_url = BASE_URL

    def forces_tool_choice(self) -> bool:
        # Z AI's chat completions take tool_choice "auto" only (docs.z.ai API reference:
        # "only auto is supported"): the output tool is offered, and the prompt asks for it.
        return False

    def extra_body(self) -> dict[str, Any]:
        p = self.params
        if p.thinking is None and p.clear_thinking is None:
            return {}
        thinking: dict[str, Any] = {"type": "disabled" if p.thinking is False else "enabled"}
        if p.clear_thinking is not None:
            thinking["clear_thinking"] = p.clear_thinking
        return {"thinking": thinking}
