"""``group_config``: a whole AG2 group chat as one backend, in MassGen's shape.

    group_config:
      llm_config: {api_type: openai, model: gpt-5}     # the default for every agent
      agents:
        - {type: assistant, name: Coder, system_message: ...}
        - {type: assistant, name: Reviewer, description: ..., llm_config: {api_type: google, ...}}
        - {type: assistant, name: Tester, code_execution_config: {executor: {type: local}}}
      pattern: {type: auto, initial_agent: Coder, group_manager_args: {llm_config: ...}}
      user_agent: {name: User, system_message: ..., llm_config: ...}   # optional
      max_rounds: 10

Every ``llm_config`` is mapped onto an agentplug backend (``llm_config.py``); ``llm:`` (an
agentplug backend config) may stand instead of any of them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from agentplug.core.params import StrictModel, hide_secrets, reveal_secrets

from .executor_params import CodeExecutionConfig
from .llm_config import backend_config

PATTERNS = ("auto", "round_robin", "random")


def _valid_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][\w-]*", value):
        raise ValueError(f"{value!r} must be a name without spaces (letters, digits, _ and -), "
                         "as AG2 names agents")
    return value


AgentName = Annotated[str, AfterValidator(_valid_name)]


def _checked_llm_config(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        backend_config(value)
    return value


def _checked_llm(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        from agentplug.core.config import check_model_backend

        check_model_backend(value, "a group member")
    return value


class _Speaker(StrictModel):
    """Whatever can speak: its model is ``llm:`` (agentplug) or ``llm_config:`` (AG2's).
    Their keys stay hidden (``hide_secrets``) until ``backend()`` hands the config on."""

    llm_config: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None

    @field_validator("llm_config")
    @classmethod
    def _check_llm_config(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return hide_secrets(_checked_llm_config(reveal_secrets(value)))

    @field_validator("llm")
    @classmethod
    def _check_llm(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return hide_secrets(_checked_llm(reveal_secrets(value)))

    @model_validator(mode="after")
    def _not_both(self) -> _Speaker:
        if self.llm is not None and self.llm_config is not None:
            raise ValueError("give `llm:` (an agentplug backend) or `llm_config:` (AG2's), "
                             "not both")
        return self

    def backend(self, default: _Speaker | None = None) -> dict[str, Any] | None:
        """The agentplug backend config for this speaker (its own, else the default)."""
        if self.llm is not None:
            return reveal_secrets(self.llm)
        if self.llm_config is not None:
            return backend_config(reveal_secrets(self.llm_config))
        return default.backend() if default is not None else None


class GroupMember(_Speaker):
    type: Literal["assistant", "conversable"] = "assistant"
    name: AgentName = Field(description="a name without spaces")
    system_message: str | None = None
    description: str | None = None
    code_execution_config: CodeExecutionConfig | None = Field(
        None, description="the member runs the code it writes (its own coding loop per turn)")
    max_code_rounds: int = Field(8, ge=1, description="replies per turn when it runs code")


class UserAgent(_Speaker):
    name: AgentName = "User"
    system_message: str | None = None
    description: str | None = None


class GroupManagerArgs(_Speaker):
    name: AgentName = "chat_manager"


class PatternConfig(StrictModel):
    type: Literal["auto", "round_robin", "random"] = "auto"
    initial_agent: str | None = None
    group_manager_args: GroupManagerArgs = Field(default_factory=GroupManagerArgs)
    exclude_transit_message: bool = True
    summary_method: Literal["last_msg"] = "last_msg"


class GroupConfig(_Speaker):
    agents: list[GroupMember] = Field(min_length=1)
    pattern: PatternConfig = Field(default_factory=PatternConfig)
    user_agent: UserAgent | None = None
    max_rounds: int = Field(10, ge=1, description="messages before the chat stops")

    @model_validator(mode="after")
    def _complete(self) -> GroupConfig:
        names = [a.name for a in self.agents]
        if self.user_agent is not None:
            names.append(self.user_agent.name)
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two agents are named {name!r}: give each its own name")
        for i, member in enumerate(self.agents):
            if member.backend(self) is None:
                raise ValueError(f"agents[{i}] ({member.name}) has no model: set "
                                 "group_config.llm_config (the default) or its own llm_config")
        initial = self.pattern.initial_agent
        if initial is not None and initial not in names:
            raise ValueError(f"pattern.initial_agent {initial!r} is not one of the agents "
                             f"({', '.join(names)})")
        if self.pattern.type == "auto" and self.pattern.group_manager_args.backend(self) is None:
            raise ValueError("pattern auto: the group manager picks each speaker with a model: "
                             "set group_config.llm_config or pattern.group_manager_args.llm_config")
        return self
