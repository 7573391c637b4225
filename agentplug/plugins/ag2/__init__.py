"""``ag2``: a classic AG2 agent (ConversableAgent / AssistantAgent) run as an agentplug backend.

The AG2 agent is driven by any agentplug backend (``llm:``) or by AG2's own ``llm_config``;
code it writes runs in an AG2 executor (local, Jupyter or Docker) that agentplug starts and
stops. Declaration only: the runtime is ``agentplug.plugins.ag2.backend`` (imports ``autogen``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.params import BackendParams
from agentplug.core.registry import BackendSpec, FlagSupport

AGENT_TYPES = ("conversable", "assistant")
EXECUTOR_ALIASES = {"LocalCommandLineCodeExecutor": "local", "commandline-local": "local",
                    "DockerCommandLineCodeExecutor": "docker", "JupyterCodeExecutor": "jupyter"}
# Keyword arguments of each AG2 executor that a YAML file can carry (tests compare them with
# the installed signatures), plus agentplug's own: `python` (the interpreter local code runs
# with), `server` (LocalJupyterServer arguments), `network_mode` (Docker, default "none").
EXECUTOR_KEYS = {
    "local": {"timeout", "work_dir", "functions_module", "execution_policies", "python"},
    "jupyter": {"kernel_name", "timeout", "output_dir", "work_dir", "server"},
    "docker": {"image", "container_name", "timeout", "work_dir", "bind_dir", "auto_remove",
               "stop_container", "execution_policies", "container_create_kwargs",
               "network_mode"},
}
JUPYTER_SERVER_KEYS = {"port", "token", "log_file", "log_level", "log_max_bytes",
                       "log_backup_count"}
CODE_EXECUTION_KEYS = {"executor", "last_n_messages"}
NA = FlagSupport("n/a", "Uses AG2 code execution config (code_execution_config.executor)")


class AG2Params(BackendParams):
    agent_config: dict[str, Any] = Field(
        default_factory=dict,
        description="ConversableAgent keyword arguments (name, system_message, description, "
                    "human_input_mode, max_consecutive_auto_reply, ...) plus "
                    "type: conversable | assistant")
    code_execution_config: dict[str, Any] | None = Field(
        None, description="{executor: {type: local | docker | jupyter, ...executor kwargs}}")
    llm: dict[str, Any] | None = Field(
        None, description="the agentplug backend that writes the AG2 agent's replies")
    llm_config: dict[str, Any] | list[dict[str, Any]] | None = Field(
        None, description="AG2's own LLM configuration (instead of llm)")
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
        if kind not in AGENT_TYPES:
            raise ValueError(f"agent_config.type {kind!r} is not supported: use "
                             f"{' or '.join(AGENT_TYPES)}")
        name = value.get("name", "assistant")
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ValueError(f"agent_config.name {name!r} must be a name without spaces")
        for key in ("llm_config", "code_execution_config"):
            if key in value:
                raise ValueError(f"agent_config.{key}: given twice")
        return value

    @field_validator("code_execution_config")
    @classmethod
    def _code_execution(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        unknown = set(value) - CODE_EXECUTION_KEYS
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; known: "
                             f"{sorted(CODE_EXECUTION_KEYS)} (use_docker/work_dir/timeout "
                             "belong in executor:)")
        executor = value.get("executor")
        if not isinstance(executor, dict) or "type" not in executor:
            raise ValueError("needs executor: {type: local | docker | jupyter, ...}")
        executor = dict(executor)
        kind = EXECUTOR_ALIASES.get(executor["type"], executor["type"])
        if kind not in EXECUTOR_KEYS:
            raise ValueError(f"executor.type {executor['type']!r} is not supported: use local, "
                             "docker or jupyter")
        executor["type"] = kind
        unknown = set(executor) - EXECUTOR_KEYS[kind] - {"type"}
        if unknown:
            raise ValueError(f"executor: unknown key(s) {sorted(unknown)} for type {kind}; "
                             f"known: {sorted(EXECUTOR_KEYS[kind])}")
        server = executor.get("server") or {}
        if set(server) - JUPYTER_SERVER_KEYS:
            raise ValueError(f"executor.server: unknown key(s) "
                             f"{sorted(set(server) - JUPYTER_SERVER_KEYS)}; known: "
                             f"{sorted(JUPYTER_SERVER_KEYS)}")
        return {**value, "executor": executor}

    @field_validator("llm")
    @classmethod
    def _llm(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        from agentplug.core.config import params_from_dict
        from agentplug.core.errors import AgentplugError
        from agentplug.core.host import default_host

        kind = str(value.get("type"))
        try:
            spec = default_host().backend(kind)
            params_from_dict(spec, value)
        except AgentplugError as exc:
            raise ValueError(str(exc).replace("backend.", "llm.")) from None
        if spec.supports("stateful"):
            raise ValueError(f"llm: the {kind!r} backend runs its own agent loop; an AG2 agent "
                             "needs a model backend (chatcompletion, openai, claude, gemini...)")
        return value

    @model_validator(mode="after")
    def _one_llm(self) -> AG2Params:
        if (self.llm is None) == (self.llm_config is None):
            raise ValueError("an ag2 backend needs exactly one of `llm:` (an agentplug backend, "
                             "e.g. {type: claude, model: ...}) or AG2's own `llm_config:`")
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="ag2",
        title="AG2 Framework (ag2)",
        factory="agentplug.plugins.ag2.backend:AG2Backend",
        params=AG2Params,
        capabilities=frozenset({"stateful", "code_execution", "mcp"}),
        tool_flags={"enable_web_search": NA, "enable_code_execution": NA,
                    "enable_code_interpreter": NA},
        setup="pip install 'agentplug[ag2]' + the API key of the backend under `llm:`",
        notes="Classic AG2 (the `autogen` 0.14 distribution): ConversableAgent / "
              "AssistantAgent; executors local, docker, jupyter",
        extra="ag2",
        sdk_modules=("autogen",),
    ))
