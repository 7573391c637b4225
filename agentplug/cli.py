"""The ``agentplug`` command. Subcommands live in ``agentplug.commands``, one module each;
plugins add theirs through the ``register_commands`` hook.

Exit codes: 0 success, 1 run or config error, 2 usage error, 130 interrupted.
Only argparse and the plugin declarations are imported up front, so that ``agentplug --help``
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from .commands import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    from . import __version__, commands

    parser = argparse.ArgumentParser(
        prog="agentplug",
        description="Run AI agents on any model backend, as plugins.",
    )
    parser.add_argument("--version", action="version", version=f"agentplug {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"agentplug.commands.{info.name}").register(subparsers)
    _add_plugin_commands(subparsers)
    return parser


def _add_plugin_commands(subparsers: Any) -> None:
    from .core.host import default_host

    builtin = set(subparsers.choices)
    for spec in default_host().commands:
        if spec.name in builtin:
            print(f"agentplug: warning: plugin {spec.plugin!r}: command {spec.name!r} is "
                  "built in; the plugin's was ignored", file=sys.stderr)
            continue
        sub = subparsers.add_parser(spec.name, help=spec.help)
        spec.configure(sub)
        sub.set_defaults(handler=spec.run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .core.errors import AgentplugError, UsageError

    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("agentplug: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"agentplug: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except AgentplugError as exc:
        print(f"agentplug: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
