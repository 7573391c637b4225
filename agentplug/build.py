"""Build agents from configs: the one place that wires a backend, its MCP servers and tools."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .core.agent import Agent
from .core.messages import Message
from .core.config import AgentConfig, params_from_dict
from .core.host import PluginHost, default_host
from .core.params import BackendParams
from .core.tools import FunctionTool, Toolset


def create_agent(
    config: AgentConfig | dict[str, Any],
    *,
    tools: Sequence[Callable[..., Any] | FunctionTool] = (),
    host: PluginHost | None = None,
    **agent_kwargs: Any,
) -> Agent:
    """An Agent from a parsed ``AgentConfig`` or a plain backend dict (``{"type": ...}``)."""
    host = host or default_host()
    if isinstance(config, dict):
        spec = host.backend(str(config.get("type")))
        config = AgentConfig(id=agent_kwargs.pop("id", "agent"),
                             backend=params_from_dict(spec, config), spec=spec,
                             system_message=agent_kwargs.pop("system_message", None))
    spec, params = config.spec, config.backend
    if params.enable_mcp_command_line:
        # Code execution reaches every backend the same way: as one more MCP server.
        params = _with_command_line(config)
    if params.mcp_servers:
        from .adapters.mcp.security import enforce

        enforce(config)  # a server breaking its security level never starts
    conversation = _Conversation()
    tools = [*tools, *_yaml_tools(config, conversation)]
    backend = spec.create(params)
    toolsets: list[Toolset] = list(agent_kwargs.pop("toolsets", ()))
    toolsets += [host.toolsets.get(ref.name).create(ref.options) for ref in config.toolsets]
    if params.mcp_servers and not backend.stateful:
        # Stateful backends (Claude Code, AG2) run their own tools, MCP included.
        from .adapters.mcp import MCPToolset

        toolsets.append(MCPToolset.from_params(params))
    agent_kwargs.setdefault("max_tool_rounds", config.max_tool_rounds)
    agent_kwargs.setdefault("max_cost_usd", config.max_cost_usd)
    agent_kwargs.setdefault("max_tokens_total", config.max_tokens_total)
    agent_kwargs.setdefault("output_type", config.output_schema)
    agent_kwargs.setdefault("output_retries", config.output_retries)
    for flag, factory in params.generation_toolsets.items():
        if getattr(params, flag):  # e.g. audio generation as a tool over a provider API
            from .core.registry import load_object

            toolsets.append(load_object(factory)(params))
    if params.upload_files:
        from .core.uploads import to_part

        agent_kwargs.setdefault("attachments", [to_part(u) for u in params.upload_files])
    agent = Agent(
        backend,
        id=config.id,
        system_message=config.system_message,
        tools=tools,
        toolsets=toolsets,
        planning_mode=params.planning_mode,
        planning_blocked_tools=params.planning_mode_blocked_tools,
        **agent_kwargs,
    )
    conversation.agent = agent
    return agent


class _Conversation:
    """The agent's conversation for the YAML tools that ask for it, bound once the agent
    they belong to exists (the tools are made first)."""

    agent: Agent | None = None

    def __call__(self) -> list[Message]:
        return self.agent.conversation() if self.agent is not None else []


def _yaml_tools(config: AgentConfig, conversation: Callable[[], list[Message]]
                ) -> list[FunctionTool]:
    """The config's ``custom_tools`` / ``tools``, imported once, as function tools."""
    entries = [*config.backend.custom_tools, *config.backend.tools]
    if not entries:
        return []
    from .core.custom_tools import CustomToolLoadError, load_custom_tools
    from .core.errors import ConfigError

    try:
        return load_custom_tools(entries, cwd=config.backend.cwd, agent_id=config.id,
                                 backend_type=config.spec.type,
                                 model=config.backend.model, conversation=conversation)
    except CustomToolLoadError as exc:
        key = "custom_tools" if config.backend.custom_tools else "tools"
        raise ConfigError(config.issue((key,), str(exc))) from exc


def _with_command_line(config: AgentConfig) -> BackendParams:
    """The backend's params with the command-line MCP server (``enable_mcp_command_line``)."""
    from .core.errors import ConfigError
    from .toolsets.command_line import with_command_line

    try:
        return with_command_line(config.backend, config.id)
    except ValueError as exc:
        raise ConfigError(config.issue(("mcp_servers",), str(exc))) from exc
