"""``agentplug check CONFIG``: validate a config without running it."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help="validate a config file",
                              description="Exit 0 when the config is valid, 1 with located "
                                          "errors otherwise.")
    p.add_argument("config", help="YAML config file")
    p.set_defaults(handler=check)


def check(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..core.config import load_config, load_dotenv_once
    from ..core.errors import ConfigError
    from ..core.host import default_host

    load_dotenv_once()
    try:
        config = load_config(args.config, default_host().registry)
    except ConfigError as exc:
        print(f"{args.config}: {len(exc.issues)} problem(s)", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    for agent in config.agents:
        spec = agent.spec
        keyless = not agent.backend.api_key and spec.env_vars and not any(
            os.environ.get(v) for v in spec.env_vars)
        note = f" (note: none of {', '.join(spec.env_vars)} is set)" if keyless else ""
        print(f"ok: agent {agent.id!r}: {spec.type} {agent.backend.model or ''}{note}".rstrip())
    return 0
