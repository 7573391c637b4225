"""``agentplug run``: one prompt, streamed."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run", help="run one prompt and stream the answer",
        description="Run one prompt. Without -c, the backend comes from -b, else from the "
                    "provider key found in the environment, else the embedded local model. "
                    "On a terminal the answer is rendered as Markdown.")
    p.add_argument("prompt", help="the prompt")
    add_agent_arguments(p)
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--output-schema", metavar="SCHEMA.json",
                   help="answer as JSON matching this schema: the validated JSON is printed "
                        "(overrides the config's output_schema)")
    p.set_defaults(handler=run)


def add_agent_arguments(p: argparse.ArgumentParser) -> None:
    """The options that choose and shape the agent (shared by ``run`` and ``chat``)."""
    p.add_argument("-c", "--config", help="YAML config (MassGen shape: agent: or agents:)")
    p.add_argument("--agent", help="agent id in a multi-agent config (default: the first)")
    p.add_argument("-b", "--backend", help="backend type, e.g. openai, claude, local")
    p.add_argument("-m", "--model", help="model name (overrides the config)")
    p.add_argument("--base-url", help="endpoint URL (overrides the config)")
    p.add_argument("-s", "--system", help="system message")
    p.add_argument("--plain", action="store_true",
                   help="print the answer as it arrives, without Markdown rendering")
    p.add_argument("--no-reasoning", action="store_true", help="hide reasoning on stderr")


def agent_config_from_args(args: argparse.Namespace) -> Any:
    """The AgentConfig for a run: from -c, or chosen from -b/-m and the environment."""
    import os
    import sys

    from ..core.config import AgentConfig, load_config, load_dotenv_once, params_from_dict
    from ..core.host import default_host

    load_dotenv_once()
    host = default_host()
    for problem in host.problems:
        print(f"agentplug: warning: {problem}", file=sys.stderr)
    if args.config:
        agent = load_config(args.config, host.registry).agent(args.agent)
        overrides = {k: v for k, v in (("model", args.model), ("base_url", args.base_url)) if v}
        if args.backend and args.backend != agent.spec.type:
            overrides = {"type": args.backend, **overrides}
        if overrides:
            raw = {**agent.backend.model_dump(exclude_unset=True), **overrides}
            spec = host.backend(raw["type"])
            agent.backend, agent.spec = params_from_dict(spec, raw), spec
        if args.system:
            agent.system_message = args.system
        return agent
    from ..selection import choose_backend

    raw, reason = choose_backend(args.backend, args.model, os.environ, host.registry)
    if args.base_url:
        raw["base_url"] = args.base_url
    if reason:
        print(reason, file=sys.stderr)
    spec = host.backend(str(raw["type"]))
    return AgentConfig(id="agent", backend=params_from_dict(spec, raw), spec=spec,
                       system_message=args.system)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ..build import create_agent
    from ._render import JsonRenderer, TerminalRenderer

    from ..core.structured import load_schema

    config = agent_config_from_args(args)
    schema = load_schema(args.output_schema) if args.output_schema else config.output_schema
    agent = create_agent(config)
    render = JsonRenderer() if args.json else TerminalRenderer(
        show_reasoning=not args.no_reasoning, markdown=False if args.plain else None)
    return asyncio.run(stream(agent, args.prompt, render, schema))


async def stream(agent: Any, prompt: str, render: Any, schema: Any = None) -> int:
    """Stream one prompt; with a schema, stdout gets only the validated JSON (the answer's
    text and partial objects are not shown, except as ``--json`` event lines)."""
    import json
    import sys

    from ._render import JsonRenderer

    failed = False
    typed = schema is not None and not isinstance(render, JsonRenderer)
    try:
        async with agent:
            async for event in agent.stream(prompt, output_type=schema):
                failed = failed or event.type == "error"
                if typed and event.type == "structured_output":
                    if not event.partial:
                        sys.stdout.write(json.dumps(event.value, ensure_ascii=False) + "\n")
                    continue
                if typed and event.type == "text_delta":
                    continue
                render(event)
    finally:
        render.close()
    return 1 if failed else 0
