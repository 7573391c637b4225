"""``agentplug batch``: one task per input line, one result line per task, resumable."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "batch", help="run many tasks (JSON lines), resumable and rate-limited",
        description="Run every task of TASKS.jsonl ({\"id\": ..., \"prompt\": ...} per line) "
                    "and append one result line per task to the output. A rerun with the same "
                    "output skips the ids already there. See docs/batch.md.")
    p.add_argument("tasks", help="the task file (JSON lines)")
    p.add_argument("-o", "--output", required=True, help="the results file (JSON lines)")
    p.add_argument("-c", "--config", help="YAML config; tasks may name any of its agents")
    p.add_argument("--agent", help="the agent for tasks that name none (default: the first)")
    p.add_argument("-b", "--backend", help="backend type when there is no config")
    p.add_argument("-m", "--model", help="model name (overrides the config)")
    p.add_argument("--base-url", help="endpoint URL (overrides the config)")
    p.add_argument("-s", "--system", help="system message (tasks may set their own)")
    p.add_argument("-j", "--concurrency", type=int,
                   help="tasks at once (per node with --ray); default from the backend: "
                        "16 for API backends, 2 for session backends (claude_code, ag2)")
    p.add_argument("--retries", type=int, default=3,
                   help="retries of a task after a retryable error (default 3)")
    p.add_argument("--rate-limits", metavar="FILE",
                   help="rate limits per provider and model (MassGen's rate_limits.yaml)")
    p.add_argument("--rpm", type=int, help="requests per minute, per provider of the batch")
    p.add_argument("--tpm", type=int, help="tokens per minute, per provider of the batch")
    p.add_argument("--max-cost", type=float, metavar="USD",
                   help="stop starting tasks once the batch has cost this much")
    p.add_argument("--events", action="store_true", help="keep each task's event stream")
    p.add_argument("--grace", type=float, default=10.0,
                   help="seconds running tasks get to finish after Ctrl-C (default 10)")
    p.add_argument("--progress-interval", type=float, default=10.0,
                   help="seconds between progress lines when stderr is not a terminal")
    p.add_argument("--fsync", action="store_true",
                   help="fsync each result line (survives a machine crash, not only kill -9)")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on a Ray cluster (pip install 'agentplug[ray]'); without ADDRESS "
                        "a local Ray instance is started")
    p.set_defaults(handler=run)


def _agents(args: argparse.Namespace) -> tuple[Any, str]:
    from ..core.config import load_config, load_dotenv_once
    from ..core.host import default_host
    from .run import agent_config_from_args

    if not args.config:
        agent = agent_config_from_args(args)
        return {agent.id: agent}, agent.id
    load_dotenv_once()
    config = load_config(args.config, default_host().registry)
    chosen = agent_config_from_args(args)  # --agent with the -m/-b/--base-url/-s overrides
    agents = {a.id: a for a in config.agents}
    agents[chosen.id] = chosen
    return agents, chosen.id


def _rate_limits(args: argparse.Namespace, agents: dict[str, Any]) -> Any:
    from ..batch.limits import RateLimit, RateLimits, limit_key_of, load_rate_limits

    limits = load_rate_limits(args.rate_limits) if args.rate_limits else RateLimits.empty()
    if args.rpm or args.tpm:
        providers = {limit_key_of(a.backend.model_dump(exclude_unset=True))[0]
                     for a in agents.values()}
        for provider in sorted(providers):
            limits.add(provider, None, RateLimit(requests=args.rpm, tokens=args.tpm))
    return limits


def run(args: argparse.Namespace) -> int:
    import asyncio

    from . import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK

    agents, default = _agents(args)
    stats, interrupted = asyncio.run(_run(args, agents, default))
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if stats.failed == 0 and stats.remaining == 0 else EXIT_ERROR


async def _run(args: argparse.Namespace, agents: dict[str, Any], default: str
               ) -> tuple[Any, bool]:
    import asyncio
    import signal
    import sys

    from ..batch.progress import reporter_for
    from ..batch.runner import Batch

    executor = None
    if args.ray is not None:
        from ..batch.ray_driver import RayExecutor

        executor = RayExecutor(agents, _rate_limits(args, agents), retries=args.retries,
                               events=args.events, address=args.ray or None,
                               per_node=args.concurrency)
    batch = Batch(agents, args.tasks, args.output, agent=default,
                  concurrency=args.concurrency, retries=args.retries,
                  rate_limits=_rate_limits(args, agents), max_cost=args.max_cost,
                  events=args.events, grace=args.grace, fsync=args.fsync, executor=executor,
                  reporter=reporter_for(sys.stderr, interval=args.progress_interval))
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        if not interrupted:
            interrupted = True
            print(f"\nagentplug: stopping: no new tasks; running ones get {args.grace:g} s "
                  "to finish (Ctrl-C again cancels them)", file=sys.stderr, flush=True)
        else:
            print("\nagentplug: cancelling running tasks", file=sys.stderr, flush=True)
        batch.stop("interrupted")

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        stats = await batch.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return stats, interrupted
