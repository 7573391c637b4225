"""AG2-style ``llm_config`` (``{api_type, model, ...}``) mapped onto agentplug backends.

The registry decides, so every backend — a third party's too — can power an AG2 agent:

1. ``api_type`` names a backend type (``openai``, ``gemini``, ``chatcompletion``, a plugin's
   own type): that backend.
2. ``api_type`` is one of AG2's own spellings that differ from agentplug's (the table below).
3. ``api_type`` names a preset of some backend (``groq``, ``cerebras``, ``together`` ...):
   that backend with ``provider: <api_type>``.

The other keys (``model``, ``api_key``, ``base_url``, ``temperature``, ``max_tokens``, ...)
pass through and are validated by the chosen backend, so a key it does not take is a located
error. ``config_list`` (AG2's fallbacks) uses its first entry.
"""

from __future__ import annotations

from typing import Any

# AG2's api_type values whose agentplug backend has another name (AG2's vocabulary: it
# belongs with the ag2 plugin, not with the backends it names).
API_TYPE_ALIASES = {"google": "gemini", "anthropic": "claude", "azure": "azure_openai"}
DEFAULT_API_TYPE = "openai"  # AG2's own default


def backend_config(llm_config: dict[str, Any]) -> dict[str, Any]:
    """The agentplug backend config an AG2 ``llm_config`` stands for (validated)."""
    from agentplug.core.config import params_from_dict
    from agentplug.core.errors import AgentplugError
    from agentplug.core.host import default_host

    entry = _entry(llm_config)
    api_type = entry.pop("api_type", DEFAULT_API_TYPE)
    if not isinstance(api_type, str):
        raise ValueError(f"api_type must be a name such as openai, not {api_type!r}")
    host = default_host()
    config = {**_resolve(api_type, host), **entry}
    try:
        spec = host.backend(config["type"])
        params_from_dict(spec, config)
    except AgentplugError as exc:
        raise ValueError(str(exc).replace("backend.", "llm_config.")) from None
    if spec.supports("stateful"):
        raise ValueError(f"api_type {api_type!r}: the {spec.type!r} backend runs its own agent "
                         "loop; an AG2 agent needs a model backend")
    return config


def _entry(llm_config: dict[str, Any]) -> dict[str, Any]:
    entry = dict(llm_config)
    listed = entry.pop("config_list", None)
    if listed is not None:
        if not isinstance(listed, list) or not listed or not isinstance(listed[0], dict):
            raise ValueError("config_list must be a non-empty list of mappings")
        entry = {**entry, **listed[0]}
    return entry


def _resolve(api_type: str, host: Any) -> dict[str, Any]:
    known = {spec.type for spec in host.registry}
    if api_type in known:
        return {"type": api_type}
    if API_TYPE_ALIASES.get(api_type) in known:
        return {"type": API_TYPE_ALIASES[api_type]}
    for spec in host.registry:
        if api_type in spec.presets:
            return {"type": spec.type, "provider": api_type}
    presets = sorted(p for spec in host.registry for p in spec.presets)
    raise ValueError(f"api_type {api_type!r} matches no agentplug backend: use a backend type "
                     f"({', '.join(sorted(known))}), one of AG2's names "
                     f"({', '.join(API_TYPE_ALIASES)}) or a provider preset "
                     f"({', '.join(presets)})")
