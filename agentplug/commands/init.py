"""``agentplug init [BACKEND]``: write a starter config, commented, from the backend's
declaration (its model, key variables, tool flags and own options)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_FILE = "agentplug.yaml"
# Backends whose config cannot be derived from the declaration alone: keys they need that
# have no default. Any other backend, a plugin's included, gets the generic starter.
_REQUIRED: dict[str, dict[str, Any]] = {
    "ag2": {"agent_config": {"type": "assistant", "name": "assistant"},
            "llm": {"type": "local"}},
    "ag2_agent": {"llm": {"type": "local"}},
    "fallback": {"backends": [{"type": "openai"}, {"type": "local"}]},
    "lmstudio": {"model": "qwen/qwen3-4b"},
}
REQUIRED_MARK = "REQUIRED"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "init", help="write a starter config for a backend",
        description="Write a commented starter config for one backend (asked for on a "
                    "terminal when not given; `local` otherwise). Every option the backend "
                    "has is listed, commented out, with what it does.")
    p.add_argument("backend", nargs="?", help="backend type (see `agentplug backends`)")
    p.add_argument("-o", "--output", default=DEFAULT_FILE,
                   help=f"file to write (default: {DEFAULT_FILE}; '-' for stdout)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=init)


def init(args: argparse.Namespace) -> int:
    from ..core.config import parse_config
    from ..core.errors import UsageError
    from ..core.host import default_host
    from ._render import is_tty

    registry = default_host().registry
    backend = args.backend or (_ask(registry) if is_tty(sys.stdin) else "local")
    name = DEFAULT_FILE if args.output == "-" else args.output
    text = starter(registry.get(backend), name)
    if REQUIRED_MARK in text:
        print(f"agentplug: fill in the keys marked {REQUIRED_MARK} before running it",
              file=sys.stderr)
    else:
        parse_config(text, registry, source=args.output)  # a complete starter must validate
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; choose another file with -o, or pass --force")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({backend}). Next: agentplug check {path} && "
          f"agentplug chat -c {path}", file=sys.stderr)
    return 0


def _ask(registry: Any) -> str:
    specs = list(registry)
    for n, spec in enumerate(specs, 1):
        print(f"{n:>3}. {spec.type:<16} {spec.title}", file=sys.stderr)
    default = next((n for n, s in enumerate(specs, 1) if s.type == "local"), 1)
    while True:
        answer = input(f"backend [{default}]: ").strip() or str(default)
        if answer.isdigit() and 1 <= int(answer) <= len(specs):
            return str(specs[int(answer) - 1].type)
        if answer in registry:
            return answer
        print(f"type a number from 1 to {len(specs)} or a backend name", file=sys.stderr)


def starter(spec: Any, filename: str = DEFAULT_FILE) -> str:
    """The YAML text of a one-agent config for ``spec``, with every option commented."""
    from ..core.params import BackendParams
    from ..core.registry import TOOL_FLAGS

    required = {k: v for k, v in _REQUIRED.get(spec.type, {}).items() if k != "model"}
    lines = [f"# agentplug config: one agent on the {spec.title} backend (`{spec.type}`).",
             f"#   agentplug check {filename}          validate it",
             f'#   agentplug run -c {filename} "Hi"    one prompt',
             f"#   agentplug chat -c {filename}        a conversation",
             "# ${VAR} and ${VAR:-default} are read from the environment (and a .env file)."]
    if spec.setup:
        lines.append(f"# Needs: {spec.setup}")
    if spec.extra:
        lines.append(f"# Install: pip install 'agentplug[{spec.extra}]'")
    lines += ["agents:", "  - id: assistant", "    system_message: You are a helpful assistant.",
              "    backend:", f"      type: {spec.type}"]
    model = (spec.default_model or (spec.models[0] if spec.models else None)
             or _REQUIRED.get(spec.type, {}).get("model"))
    preset = next(iter(spec.presets.values()), None)
    if preset is not None:
        names = ", ".join(spec.presets)
        lines.append(f"      provider: {preset.name}   # {names}; or base_url: for any other")
        model = model or (preset.models[0] if preset.models else None)
    if model:
        lines.append(f"      model: {_yaml(model)}")
    else:
        lines.append("      # model: NAME")
    for key, value in required.items():
        lines.append(f"      {key}: {_yaml(value)}")
    key_vars = [preset.env_var] if preset is not None and preset.env_var else spec.env_vars
    for var in key_vars[:1]:
        lines.append(f"      # api_key: ${{{var}}}   # default: read from {var}")
    for flag in TOOL_FLAGS:
        if spec.flag(flag).support in ("yes", "varies"):
            lines.append(f"      # {flag}: true")
    own = [(name, field) for name, field in spec.params_model().model_fields.items()
           if name not in BackendParams.model_fields and name not in required
           and not (name == "provider" and preset is not None)]
    if own:
        lines.append(f"      # {spec.type} options (defaults shown):")
    for name, field in own:
        note = f"   # {field.description}" if field.description else ""
        if field.is_required():
            lines.append(f"      {name}: {REQUIRED_MARK}{note}")
            continue
        default = field.get_default(call_default_factory=True)
        lines.append(f"      # {name}: {_yaml(default)}{note}")
    if spec.supports("mcp"):
        lines += ["      # mcp_servers:                 # tools from MCP servers",
                  "      #   - name: time",
                  "      #     command: uvx",
                  "      #     args: [mcp-server-time]"]
    return "\n".join(lines) + "\n"


def _yaml(value: Any) -> str:
    """A flow-style YAML scalar or collection (JSON is valid YAML)."""
    if value is None:
        return "null"
    if isinstance(value, str) and value.replace("-", "").replace(".", "").replace(
            "_", "").isalnum() and not value[0].isdigit():
        return value
    return json.dumps(value)
