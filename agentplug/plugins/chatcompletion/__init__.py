"""``chatcompletion``: any OpenAI-compatible Chat Completions endpoint, with provider presets."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, FlagSupport, Preset
from agentplug.sdk.compat_params import CompatParams

PRESETS = {p.name: p for p in (
    Preset("cerebras", "Cerebras AI", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY",
           ("gpt-oss-120b", "llama-3.3-70b"), pricing="cerebras"),
    Preset("together", "Together AI", "https://api.together.xyz/v1", "TOGETHER_API_KEY",
           ("meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",), pricing="together"),
    Preset("fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1",
           "FIREWORKS_API_KEY", ("accounts/fireworks/models/llama-v3p1-405b-instruct",),
           pricing="fireworks"),
    Preset("groq", "Groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
           ("llama-3.3-70b-versatile", "openai/gpt-oss-120b"), pricing="groq"),
    Preset("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
           pricing="openrouter"),
    Preset("moonshot", "Kimi/Moonshot", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY",
           ("kimi-k2-0905-preview",), pricing="moonshotai"),
    Preset("nebius", "Nebius AI Studio", "https://api.studio.nebius.com/v1", "NEBIUS_API_KEY"),
    Preset("poe", "POE", "https://api.poe.com/v1", "POE_API_KEY"),
)}
ALIASES = {"kimi": "moonshot", "together_ai": "together", "fireworks_ai": "fireworks"}


class ChatCompletionParams(CompatParams):
    provider: str | None = Field(None, description=f"a preset: {', '.join(PRESETS)}")
    # Sampling keys of self-hosted engines (vLLM, SGLang) that MassGen documents for
    # chatcompletion: sent in the request body when set.
    top_k: int | None = Field(None, ge=-1, description="sample from the k likeliest tokens")
    min_p: float | None = Field(None, ge=0, le=1)
    repetition_penalty: float | None = Field(None, gt=0)
    separate_reasoning: bool | None = Field(
        None, description="SGLang: return the model's thinking apart from the answer")

    @model_validator(mode="after")
    def _provider(self) -> ChatCompletionParams:
        if self.provider is not None:
            name = ALIASES.get(self.provider.lower(), self.provider.lower())
            if name not in PRESETS:
                raise ValueError(f"unknown provider {self.provider!r}; presets: "
                                 f"{', '.join(PRESETS)} (or give base_url)")
            self.provider = name
        elif not self.base_url:
            raise ValueError("chatcompletion needs `base_url` or `provider` "
                             f"(one of {', '.join(PRESETS)})")
        if not self.model:
            raise ValueError("chatcompletion needs `model`")
        preset = PRESETS.get(self.provider or "")
        for flag in ("enable_web_search", "enable_code_execution", "enable_code_interpreter"):
            if getattr(self, flag) and (preset is None or flag not in preset.tool_flags):
                where = preset.title if preset else "a generic endpoint"
                raise ValueError(f"{flag}: {where} offers no such built-in tool through "
                                 "Chat Completions; use function tools or MCP servers instead")
        return self


VARIES = FlagSupport("varies", "depends on the provider")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="chatcompletion",
        structured_output="native",
        title="ChatCompletion",
        factory="agentplug.plugins.chatcompletion.backend:GenericChatBackend",
        params=ChatCompletionParams,
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags={"enable_web_search": VARIES, "enable_code_execution": VARIES,
                    "enable_code_interpreter": VARIES},
        env_vars=tuple(p.env_var for p in PRESETS.values() if p.env_var),
        setup="`base_url` + provider-specific API key (e.g. CEREBRAS_API_KEY, TOGETHER_API_KEY)",
        notes="Depends on provider (Cerebras, Together AI, etc.)",
        extra="openai",
        sdk_modules=("openai",),
        presets=PRESETS,
    ))
