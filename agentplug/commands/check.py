"""``agentplug check CONFIG``: validate a config without running it.

Unset ``${VAR}``s are warnings (a CI job has no secrets) unless ``--strict``; ``--massgen``
also lists what of a MassGen file agentplug honours, ignores on purpose and rejects.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help="validate a config file",
                              description="Exit 0 when the config is valid, 1 with located "
                                          "errors otherwise.")
    p.add_argument("config", help="YAML config file")
    p.add_argument("--strict", action="store_true",
                   help="unset environment variables are errors, not warnings")
    p.add_argument("--massgen", action="store_true",
                   help="list which keys of a MassGen config are honoured, ignored, rejected")
    p.set_defaults(handler=check)


def check(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..core.config import load_config, load_dotenv_once
    from ..core.errors import ConfigError
    from ..core.host import default_host

    load_dotenv_once()
    strict = getattr(args, "strict", False)
    try:
        config = load_config(args.config, default_host().registry, require_env=strict)
        issues = security_issues(config.agents)
        if issues:
            raise ConfigError(issues)
    except ConfigError as exc:
        print(f"{args.config}: {len(exc.issues)} problem(s)", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        if getattr(args, "massgen", False):
            _massgen_report(args.config, exc.issues)
        return 1
    for issue in [*config.warnings, *security_warnings(config.agents)]:
        print(f"warning: {issue}", file=sys.stderr)
    for issue in config.notices:
        print(f"notice: {issue}", file=sys.stderr)
    for agent in config.agents:
        spec = agent.spec
        keyless = not agent.backend.api_key and spec.env_vars and not any(
            os.environ.get(v) for v in spec.env_vars)
        note = f" (note: none of {', '.join(spec.env_vars)} is set)" if keyless else ""
        print(f"ok: agent {agent.id!r}: {spec.type} {agent.backend.model or ''}{note}".rstrip())
    if getattr(args, "massgen", False):
        _massgen_report(args.config, [])
    return 0


def security_issues(agents: Any) -> list[Any]:
    """MCP ``security`` violations of every agent, located (checked before any start)."""
    from ..adapters.mcp.security import check_server, violation_path

    return [agent.issue(("mcp_servers", i, *violation_path(v)), str(v),
                        "fix it, or choose a laxer security level if you trust this server")
            for agent in agents for i, server in enumerate(agent.backend.mcp_servers)
            for v in check_server(server)]


def security_warnings(agents: Any) -> list[Any]:
    """Environment variables a server's security level or policy keeps from it."""
    from ..adapters.mcp.security import withheld

    return [agent.issue(("mcp_servers", i, "env", name),
                        f"not given to MCP server {server.name!r} (security level "
                        f"{server.security.level}: it looks like a credential, or the env "
                        "policy leaves it out)", "list it in security.env.allowed_vars to "
                        "pass it")
            for agent in agents for i, server in enumerate(agent.backend.mcp_servers)
            for name in withheld(server)]


def _massgen_report(path: str, rejected: list[Any]) -> None:
    from ..core.massgen import classify

    for line in classify(path, rejected):
        print(line)
