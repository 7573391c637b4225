"""``agentplug backends``: the registry as the seed's tables, true by construction."""

from __future__ import annotations

import argparse
from typing import Any

FLAGS = ("enable_web_search", "enable_code_execution", "enable_code_interpreter")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("backends", help="list the backends and what each supports")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="machine-readable output")
    fmt.add_argument("--markdown", action="store_true", help="the docs page (docs/backends.md)")
    p.set_defaults(handler=backends)


def rows(registry: Any) -> list[dict[str, Any]]:
    out = []
    for spec in registry:
        out.append({
            "type": spec.type,
            "title": spec.title,
            "setup": spec.setup,
            "env_vars": list(spec.env_vars),
            "tool_flags": {f: spec.flag(f).support for f in FLAGS},
            "flag_reasons": {f: spec.flag(f).reason for f in FLAGS if spec.flag(f).reason},
            "notes": spec.notes,
            "capabilities": sorted(spec.capabilities),
            "structured_output": spec.structured_output,
            # enable_mcp_command_line: the command tools arrive as one more MCP server.
            "command_line": "mcp" in spec.capabilities,
            "presets": {n: {"base_url": p.base_url, "env_var": p.env_var,
                            "structured_output": p.output_strategy(None,
                                                                   spec.structured_output),
                            "native_models": list(p.native_models)}
                        for n, p in spec.presets.items()},
            "extra": spec.extra,
            "installed": spec.installed(),
            "plugin": spec.plugin,
        })
    return out


def markdown(registry: Any) -> str:
    from ..core.registry import FlagSupport

    lines = ["# Backends", "",
             "Generated from the plugin registry by `agentplug backends --markdown`; "
             "do not edit by hand.", "", "## Quick reference: backend setup", "",
             "| Backend type | Name | Setup requirements | Extra |", "|---|---|---|---|"]
    specs = list(registry)
    for s in specs:
        extra = f"`pip install 'agentplug[{s.extra}]'`" if s.extra else ""
        lines.append(f"| `{s.type}` | {s.title} | {s.setup} | {extra} |")
    lines += ["", "## Tool enablement", "",
              "| Backend | `enable_web_search` | `enable_code_execution` | "
              "`enable_code_interpreter` | Notes |", "|---|---|---|---|---|"]
    for s in specs:
        marks = " | ".join(s.flag(f).symbol for f in FLAGS)
        lines.append(f"| `{s.type}` | {marks} | {s.notes} |")
    lines += ["", "## Capabilities", "",
              "`enable_mcp_command_line` (docs/code_execution.md) reaches every backend with "
              "MCP support as one more MCP server.", "",
              "Typed answers (docs/structured_output.md): the strategy each backend uses "
              "unless a call names one; a preset may declare its own (below).", "",
              "| Backend | Capabilities | Command line | Typed answers | Plugin |",
              "|---|---|---|---|---|"]
    for s in specs:
        command_line = "✅" if "mcp" in s.capabilities else "❌"
        lines.append(f"| `{s.type}` | {', '.join(sorted(s.capabilities))} | {command_line} | "
                     f"`{s.structured_output}` | {s.plugin} |")
    reasons = [(s.type, f, s.flag(f)) for s in specs for f in FLAGS
               if s.flag(f).reason and s.flag(f).support != "yes"]
    if reasons:
        lines += ["", "## Why a flag is refused", ""]
        lines += [f"- `{t}` `{f}`: {fs.reason}" for t, f, fs in reasons
                  if isinstance(fs, FlagSupport)]
    presets = [(s, p) for s in specs for p in s.presets.values()]
    if presets:
        lines += ["", "## Provider presets", "", "| Backend | `provider:` | Name | Base URL | "
                  "Key env var | Typed answers |", "|---|---|---|---|---|---|"]
        lines += [f"| `{s.type}` | `{p.name}` | {p.title} | {p.base_url} | "
                  f"`{p.env_var or '-'}` | {_preset_strategy(s, p)} |" for s, p in presets]
    return "\n".join(lines) + "\n"


def backends(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..core.host import default_host
    from ..core.registry import FlagSupport

    host = default_host()
    for problem in host.problems:
        print(f"agentplug: warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps({"backends": rows(host.registry),
                          "problems": [str(p) for p in host.problems]}, indent=2))
        return 0
    if args.markdown:
        sys.stdout.write(markdown(host.registry))
        return 0
    from ._render import print_table

    data = rows(host.registry)
    print_table(["Type", "Installed", "Typed answers", "Setup"],
                [[r["type"], "✅" if r["installed"] else
                  f"❌ pip install 'agentplug[{r['extra']}]'", r["structured_output"],
                  r["setup"]] for r in data],
                title="Backends")
    # The command-line tools (enable_mcp_command_line) arrive as an MCP server.
    print_table(["Type", "Web search", "Code exec", "Code interp", "MCP, cmd line", "Notes"],
                [[r["type"], *(FlagSupport(r["tool_flags"][f]).symbol for f in FLAGS),
                  "✅" if r["command_line"] else "❌", r["notes"]] for r in data],
                title="Tools")
    return 0


def _preset_strategy(spec: Any, preset: Any) -> str:
    text = f"`{preset.output_strategy(None, spec.structured_output)}`"
    if preset.native_models:
        text += " (`native` for " + ", ".join(f"`{m}*`" for m in preset.native_models) + ")"
    return text
