"""``agentplug mcp list -c CONFIG``: start each agent's MCP servers, show their status and the
tools each agent's model will see after filtering, then stop them. ``agentplug mcp serve
command-line ...``: run agentplug's command-line server for any MCP client."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("mcp", help="inspect the MCP servers of a config",
                              description="MCP servers: `agentplug mcp list -c CONFIG`.")
    sub = p.add_subparsers(title="mcp commands", metavar="COMMAND")
    ls = sub.add_parser(
        "list", help="start the servers and list their tools",
        description="Start every agent's MCP servers, print each server's status (with its "
                    "stderr when it failed) and the tools the agent's model will see after "
                    "allowed_tools / disallowed_tools / exclude_tools; then stop them. "
                    "Exit 1 if a server failed.")
    ls.add_argument("-c", "--config", required=True, help="YAML config file")
    ls.add_argument("--agent", help="only this agent (default: every agent)")
    ls.add_argument("--json", action="store_true", help="print the status as JSON")
    ls.set_defaults(handler=list_servers)
    serve = sub.add_parser(
        "serve", help="run one of agentplug's MCP servers on stdio",
        description="Run an MCP server agentplug ships, on stdio, for any MCP client: "
                    "`agentplug mcp serve command-line --cwd DIR [--mode docker] ...` "
                    "(`agentplug mcp serve command-line --help` lists its options).")
    serve.add_argument("server", choices=["command-line"], help="which server")
    serve.add_argument("server_args", nargs=argparse.REMAINDER, help="the server's options")
    serve.set_defaults(handler=serve_server)
    p.set_defaults(handler=lambda args: _usage(p))


def serve_server(args: argparse.Namespace) -> int:
    from ..toolsets.command_line.server import main

    return main(args.server_args)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def list_servers(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from ..core.config import load_config, load_dotenv_once
    from ..core.host import default_host

    load_dotenv_once()
    config = load_config(args.config, default_host().registry)
    agents = [config.agent(args.agent)] if args.agent else config.agents
    report = asyncio.run(_inspect(agents))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report, args.config)
    failed = any(s["status"] != "ready" for a in report for s in a["servers"])
    return 1 if failed else 0


async def _inspect(agents: list[Any]) -> list[dict[str, Any]]:
    from ..adapters.mcp import MCPToolset

    out = []
    from ..toolsets.command_line import with_command_line

    for agent in agents:
        params = with_command_line(agent.backend, agent.id)
        entry: dict[str, Any] = {"agent": agent.id, "backend": agent.spec.type,
                                 "servers": [], "warnings": []}
        if params.mcp_servers:
            toolset = MCPToolset.from_params(params)
            try:
                await toolset.open()  # raises for a `required: true` server that fails
                entry["servers"] = toolset.status()
            finally:
                await toolset.close()
            entry["warnings"] = [w for w in toolset.warnings
                                 if not any(s["error"] and w.startswith(s["error"])
                                            for s in entry["servers"])]
        out.append(entry)
    return out


def _print(report: list[dict[str, Any]], source: str) -> None:
    if not any(a["servers"] for a in report):
        print(f"{source}: no agent has mcp_servers")
        return
    for agent in report:
        servers = agent["servers"]
        print(f"agent {agent['agent']!r} ({agent['backend']}): "
              f"{len(servers)} MCP server{'s' if len(servers) != 1 else ''}")
        for s in servers:
            if s["status"] == "ready":
                print(f"  {s['name']} ({s['type']}): ready, {len(s['tools'])} tools")
                for name in s["tools"]:
                    print(f"    {name}")
                if s["filtered_out"]:
                    print(f"    (not offered: {', '.join(s['filtered_out'])})")
            else:
                print(f"  {s['name']} ({s['type']}): {s['status']}")
                for line in (s["error"] or "").splitlines():
                    print(f"    {line}")
        for w in agent["warnings"]:
            print(f"  warning: {w}")
