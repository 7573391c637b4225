"""Code execution for every backend: MassGen's command tools as an MCP server agentplug runs.

With ``enable_mcp_command_line: true`` a backend's ``mcp_servers`` gain one stdio server,
``command_line`` (``python -m agentplug.toolsets.command_line ...``), whose tools are
``execute_command`` and MassGen's five background-shell tools. Every backend reaches it through
its own MCP support, so Claude Code and AG2 get it exactly as the others do; any other MCP
client can start it with ``agentplug mcp serve command-line``.
"""

from __future__ import annotations

import os
import sys

from ...core.params import BackendParams, MCPServerConfig
from .settings import MAX_TIMEOUT, CommandLineSettings

SERVER_NAME = "command_line"
TOOL_NAMES = ("execute_command", "start_background_shell", "get_background_shell_output",
              "get_background_shell_status", "kill_background_shell", "list_background_shells")
# How a stdio server finds the engine: the MCP SDK starts servers with a minimal environment.
_DOCKER_ENV = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONFIG",
               "DOCKER_CONTEXT")

__all__ = ["SERVER_NAME", "TOOL_NAMES", "CommandLineSettings", "server_config",
           "with_command_line"]


def server_config(params: BackendParams, agent_id: str = "agent") -> MCPServerConfig:
    """The stdio MCP server config that gives ``params``' agent its command tools."""
    settings = CommandLineSettings.from_params(params, agent_id)
    # MCP clients start a stdio server in the backend's cwd: it must exist first.
    os.makedirs(settings.cwd, exist_ok=True)
    env: dict[str, str] = {}
    if settings.mode == "docker":
        env.update({k: os.environ[k] for k in _DOCKER_ENV if k in os.environ})
        creds = settings.docker
        if creds.pass_all_env:
            env.update(os.environ)
        # Values travel in the server's environment, never in its arguments.
        env.update({k: os.environ[k] for k in creds.env_vars if k in os.environ})
    return MCPServerConfig(
        name=SERVER_NAME, type="stdio", command=sys.executable,
        args=["-m", "agentplug.toolsets.command_line", *settings.to_args()], env=env,
        # A command may run MAX_TIMEOUT seconds: the client must wait longer than that.
        timeout=MAX_TIMEOUT + 30,
        # Starting a container (and installing packages) takes longer than a plain server.
        startup_timeout=300 if settings.docker.packages or settings.docker.auto_install_deps
        else 60,
        required=True)


def with_command_line(params: BackendParams, agent_id: str = "agent") -> BackendParams:
    """``params`` with the command-line server added when ``enable_mcp_command_line`` is on."""
    if not params.enable_mcp_command_line:
        return params
    if any(s.name == SERVER_NAME for s in params.mcp_servers):
        raise ValueError(f"an MCP server is already named {SERVER_NAME!r}, the name "
                         "enable_mcp_command_line uses: rename it")
    server = server_config(params, agent_id)
    return params.model_copy(update={"mcp_servers": [*params.mcp_servers, server]})
