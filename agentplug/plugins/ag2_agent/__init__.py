"""``ag2_agent``: an ``ag2.Agent`` — AG2 1.x, the rewritten generation (``import ag2``) — run
as an agentplug backend.

A separate type from ``ag2`` (classic ``autogen`` ConversableAgents): the two generations
share no configuration keys. The agent is either built here (``name``, ``prompt``, its model
an agentplug backend under ``llm:``) or built by your code (``agent: "pkg.mod:attr"``, an
``ag2.Agent`` or a function returning one, with its own tools and middleware). The
agentplug agent's Python tools and the ``mcp_servers:`` tools are added to it for every turn.
Declaration only: the runtime is ``agentplug.plugins.ag2_agent.backend`` (imports ``ag2``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.params import BackendParams, hide_secrets, reveal_secrets
from agentplug.core.registry import BackendSpec, FlagSupport

NA = FlagSupport("n/a", "give the ag2 agent tools, or the model under llm: its own flags")


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
        from agentplug.core.config import params_from_dict
        from agentplug.core.errors import AgentplugError
        from agentplug.core.host import default_host

        try:
            spec = default_host().backend(str(value.get("type")))
            params_from_dict(spec, value)
        except AgentplugError as exc:
            raise ValueError(str(exc).replace("backend.", "llm.")) from None
        if spec.supports("stateful"):
            raise ValueError(f"llm: the {spec.type!r} backend runs its own agent loop; an "
                             "ag2 agent needs a model backend (chatcompletion, openai, claude, "
                             "gemini...)")
        return hide_secrets(value)

    @model_validator(mode="after")
    def _a_model(self) -> AG2AgentParams:
        if self.agent is None and self.llm is None:
            raise ValueError("an ag2_agent backend needs `llm:` (the agentplug backend that is "
                             "its model) or `agent:` (\"pkg.module:attr\" of an ag2.Agent "
                             "built with its own model)")
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="ag2_agent",
        structured_output="prompted",
        title="AG2 1.x agent (ag2.Agent)",
        factory="agentplug.plugins.ag2_agent.backend:AG2AgentBackend",
        params=AG2AgentParams,
        capabilities=frozenset({"stateful", "mcp"}),
        tool_flags={"enable_web_search": NA, "enable_code_execution": NA,
                    "enable_code_interpreter": NA},
        setup="pip install 'agentplug[ag2]' + the API key of the backend under `llm:`",
        notes="AG2 1.x (the `ag2` distribution, `import ag2`): ag2.Agent with its tools and "
              "middleware; classic ConversableAgents are `type: ag2`",
        extra="ag2",
    ))
