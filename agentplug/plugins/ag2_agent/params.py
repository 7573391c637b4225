"""The ``ag2_agent`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from agentplug.core.params import BackendParams, hide_secrets, reveal_secrets


class AG2AgentParams(BackendParams):
    agent: str | None = Field(
        None, pattern=r"^[\w.]+:[\w.]+$",
        description="\"pkg.module:attr\": an ag2.Agent, or a function returning one")
    name: str = Field("assistant", description="the agent's name (when built here)")
    prompt: str | None = Field(None, description="the agent's system prompt (when built here; "
                                                 "default: the agent's system_message)")
    llm: dict[str, Any] | None = Field(
        None, description="the agentplug backend that is the agent's model")

    @field_validator("llm")
    @classmethod
    def _llm(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        # Its keys stay hidden until the backend hands the config on (``reveal_secrets``).
        value = reveal_secrets(value)
        from agentplug.core.config import check_model_backend

        check_model_backend(value, "an ag2 agent")
        return hide_secrets(value)

    @model_validator(mode="after")
    def _a_model(self) -> AG2AgentParams:
        if self.agent is None and self.llm is None:
            raise ValueError("an ag2_agent backend needs `llm:` (the agentplug backend that is "
                             "its model) or `agent:` (\"pkg.module:attr\" of an ag2.Agent "
                             "built with its own model)")
        return self
