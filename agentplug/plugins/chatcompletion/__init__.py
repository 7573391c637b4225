"""``chatcompletion``: any OpenAI-compatible Chat Completions endpoint, with provider presets."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, FlagSupport, Preset

# Typed answers per provider, from each one's own documentation (docs/structured_output.md):
# - Cerebras: response_format json_schema with strict constrained decoding
#   (inference-docs.cerebras.ai/capabilities/structured-outputs); tool_choice takes only
#   "auto" or "none", no named function (req_llm's Cerebras guide), so nothing is forced.
# - Together: json_schema on its structured-output models; its guide says to put the schema
#   in the prompt too (docs.together.ai/docs/inference/chat/structured-outputs).
# - Fireworks: json_schema (and json_object); "the model doesn't automatically see the
#   schema", include it in the prompt (docs.fireworks.ai/structured-responses).
# - Groq: json_schema with strict decoding on select models only (the gpt-oss family,
#   console.groq.com/docs/structured-outputs); others, e.g. llama-3.3-70b-versatile, answer
#   "This model does not support response format json_schema", so the default is a forced
#   output tool, which every Groq tool-use model takes.
# - OpenRouter: json_schema, passed to the models that support it
#   (openrouter.ai/docs/structured-outputs); provider.require_parameters routes the request
#   only to providers that honour it, rather than one that ignores the schema.
# - Moonshot: json_schema, strict by default (platform.kimi.ai/docs/api/chat,
#   response_format); its request has no tool_choice to force a tool with.
# - Nebius: json_schema and json_object; it advises the schema in the prompt as well
#   (docs.tokenfactory.nebius.com/ai-models-inference/json).
# - POE: its Chat Completions take tools and tool_choice but no response_format (structured
#   outputs are a feature of its Responses API only, creator.poe.com/api-reference), so a
#   forced output tool.
PRESETS = {p.name: p for p in (
    Preset("cerebras", "Cerebras AI", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY",
           ("gpt-oss-120b", "llama-3.3-70b"), pricing="cerebras", forced_tool_choice=False),
    Preset("together", "Together AI", "https://api.together.xyz/v1", "TOGETHER_API_KEY",
           ("meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",), pricing="together",
           schema_in_prompt=True),
    Preset("fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1",
           "FIREWORKS_API_KEY", ("accounts/fireworks/models/llama-v3p1-405b-instruct",),
           pricing="fireworks", schema_in_prompt=True),
    Preset("groq", "Groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
           ("llama-3.3-70b-versatile", "openai/gpt-oss-120b"), pricing="groq",
           structured_output="tool", native_models=("openai/gpt-oss-",)),
    Preset("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
           pricing="openrouter", native_body={"provider": {"require_parameters": True}}),
    Preset("moonshot", "Kimi/Moonshot", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY",
           ("kimi-k2-0905-preview",), pricing="moonshotai", forced_tool_choice=False),
    Preset("nebius", "Nebius AI Studio", "https://api.studio.nebius.com/v1", "NEBIUS_API_KEY",
           schema_in_prompt=True),
    Preset("poe", "POE", "https://api.poe.com/v1", "POE_API_KEY", structured_output="tool"),
)}
ALIASES = {"kimi": "moonshot", "together_ai": "together", "fireworks_ai": "fireworks"}


VARIES = FlagSupport("varies", "depends on the provider")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="chatcompletion",
        structured_output="native",
        title="ChatCompletion",
        factory="agentplug.plugins.chatcompletion.backend:GenericChatBackend",
        params="agentplug.plugins.chatcompletion.params:ChatCompletionParams",
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
