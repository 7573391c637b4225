"""The ``ag2`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from agentplug.core.params import BackendParams, hide_secrets, reveal_secrets

from .executor_params import CodeExecutionConfig
from .group_params import GroupConfig, _checked_llm
from .llm_config import backend_config

AGENT_TYPES = ("conversable", "assistant")
_SINGLE_AGENT_KEYS = ("agent_config", "code_execution_config", "llm", "llm_config")


class AG2Params(BackendParams):
    agent_config: dict[str, Any] = Field(
        default_factory=dict,
        description="ConversableAgent keyword arguments (name, system_message, description, "
                    "human_input_mode, max_consecutive_auto_reply, ...) plus "
                    "type: conversable | assistant")
    code_execution_config: CodeExecutionConfig | None = Field(
        None, description="{executor: {type: local | docker | jupyter | daytona | yepcode | "
                          "remyx, ...executor settings}}")
    llm: dict[str, Any] | None = Field(
        None, description="the agentplug backend that writes the AG2 agent's replies")
    llm_config: dict[str, Any] | list[dict[str, Any]] | None = Field(
        None, description="AG2's LLM configuration (instead of llm): a flat {api_type, model, "
                          "...} is mapped onto an agentplug backend; {config_list: [...]} is "
                          "AG2's own client")
    group_config: GroupConfig | None = Field(
        None, description="a whole AG2 group chat (MassGen's shape) instead of one agent")
    max_rounds: int = Field(10, ge=1, description="model replies per turn, code runs between")

    @model_validator(mode="before")
    @classmethod
    def _massgen_nesting(cls, data: Any) -> Any:
        # MassGen nests code_execution_config and llm_config inside agent_config.
        if isinstance(data, dict) and isinstance(data.get("agent_config"), dict):
            agent = dict(data["agent_config"])
            data = dict(data)
            for key in ("code_execution_config", "llm_config"):
                if key in agent:
                    if data.get(key) is not None:
                        raise ValueError(f"{key} is given both in agent_config and beside it: "
                                         "keep one")
                    data[key] = agent.pop(key)
            data["agent_config"] = agent
        return data

    @field_validator("agent_config")
    @classmethod
    def _agent_config(cls, value: dict[str, Any]) -> dict[str, Any]:
        kind = value.get("type", "conversable")
        if not isinstance(kind, str) or kind not in AGENT_TYPES:
            raise ValueError(f"agent_config.type {kind!r} is not supported: use "
                             f"{' or '.join(AGENT_TYPES)}")
        name = value.get("name", "assistant")
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ValueError(f"agent_config.name {name!r} must be a name without spaces")
        return value

    # Both hold keys (api_key, ...) until the moment they are handed on (``reveal_secrets``):
    # hidden in reprs, dumps and errors.
    @field_validator("llm")
    @classmethod
    def _llm(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return hide_secrets(_checked_llm(reveal_secrets(value)))

    @field_validator("llm_config")
    @classmethod
    def _flat_llm_config(cls, value: Any) -> Any:
        if _is_flat(value):  # MassGen's {api_type, model}: checked against the backend
            backend_config(reveal_secrets(value))
        return hide_secrets(value)

    @model_validator(mode="after")
    def _one_shape(self) -> AG2Params:
        if self.group_config is not None:
            given = [k for k in _SINGLE_AGENT_KEYS if k in self.model_fields_set]
            if given:
                raise ValueError(f"group_config describes the whole chat: move "
                                 f"{', '.join(given)} into its agents (or drop group_config)")
            return self
        if self.llm is None and _is_flat(self.llm_config):
            # MassGen's flat {api_type, model}: an agentplug backend drives the agent, as in a
            # group_config (AG2's own client stays the `config_list` form's).
            assert isinstance(self.llm_config, dict)
            self.llm = hide_secrets(backend_config(reveal_secrets(self.llm_config)))
            self.llm_config = None
            return self
        if (self.llm is None) == (self.llm_config is None):
            raise ValueError("an ag2 backend needs exactly one of `llm:` (an agentplug backend, "
                             "e.g. {type: claude, model: ...}), AG2's own `llm_config:`, or "
                             "`group_config:` (a group chat)")
        return self


def _is_flat(llm_config: Any) -> bool:
    return (isinstance(llm_config, dict) and "api_type" in llm_config
            and "config_list" not in llm_config)
