"""The embedded local model: agentplug's ``local`` backend vs the raw openai SDK, one run.

    .venv/bin/python bench/local_model.py [--runs 5] [--write docs/performance.md]

Both clients stream the same prompt (temperature 0, the same max_tokens) from the same
llama.cpp server, leased from the backend's own pool, so the server start is measured once
and the model's speed is the same for both. Figures are medians of alternating runs:
time to first token, tokens per second while generating, and the wall time of a turn.
``--write`` replaces the "Local model" section of the given markdown file (or appends it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from _markdown import table, write_section  # bench/ is on sys.path: these run as scripts

PROMPT = "Write three short sentences about the sea."
MAX_TOKENS = 48
SECTION = "## Local model: `local` vs the raw openai SDK"


class Sample:
    def __init__(self, ttft: float, total: float, tokens: int, generating: float) -> None:
        self.ttft, self.total, self.tokens, self.generating = ttft, total, tokens, generating

    @property
    def tokens_per_s(self) -> float:
        # The first token ends the prompt phase; the rest measure generation speed.
        return (self.tokens - 1) / self.generating if self.generating > 0 else 0.0


async def raw_turn(client: Any, alias: str) -> Sample:
    start = time.perf_counter()
    first = last = 0.0
    tokens = 0
    stream = await client.chat.completions.create(
        model=alias, messages=[{"role": "user", "content": PROMPT}], stream=True,
        stream_options={"include_usage": True}, temperature=0, max_tokens=MAX_TOKENS)
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                # llama-cpp-python streams one chunk per token and no usage chunk.
                tokens += 1
                last = time.perf_counter()
                first = first or last
    end = time.perf_counter()
    return Sample(first - start, end - start, tokens, last - first)


async def agent_turn(agent: Any) -> Sample:
    from agentplug import TextDelta

    await agent.reset()
    start = time.perf_counter()
    first = last = 0.0
    tokens = 0
    async for event in agent.stream(PROMPT):
        if isinstance(event, TextDelta):
            tokens += 1
            last = time.perf_counter()
            first = first or last
    end = time.perf_counter()
    return Sample(first - start, end - start, tokens, last - first)


async def bench(runs: int) -> tuple[list[tuple[str, str, str, str]], dict[str, str]]:
    from openai import AsyncOpenAI

    from agentplug import create_agent
    from agentplug.plugins.local.backend import default_key
    from agentplug.plugins.local.server import POOL

    started = time.perf_counter()
    lease = POOL.acquire(default_key())
    try:
        await lease.server.wait_ready(180)
        ready = time.perf_counter() - started
        server = lease.server
        raw = AsyncOpenAI(base_url=server.base_url, api_key="local", max_retries=0)
        agent = create_agent({"type": "local", "temperature": 0, "max_tokens": MAX_TOKENS})
        samples: dict[str, list[Sample]] = {"raw": [], "agentplug": []}
        async with agent:
            await raw_turn(raw, server.key.alias)  # warm up: connections, prompt cache
            await agent_turn(agent)
            for i in range(runs):
                order = ["raw", "agentplug"] if i % 2 == 0 else ["agentplug", "raw"]
                for name in order:
                    sample = (await raw_turn(raw, server.key.alias) if name == "raw"
                              else await agent_turn(agent))
                    samples[name].append(sample)
        await raw.close()
    finally:
        lease.release()

    def med(name: str, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in samples[name])

    rows = []
    for label, attr, unit, scale in (("time to first token", "ttft", "ms", 1e3),
                                     ("tokens/s while generating", "tokens_per_s", "tok/s", 1),
                                     (f"turn of ≤ {MAX_TOKENS} tokens (wall)", "total", "ms",
                                      1e3)):
        r, a = med("raw", attr), med("agentplug", attr)
        fmt = "{:.1f}" if unit == "tok/s" else "{:.0f}"
        rows.append((f"{label} (median of {runs})", f"{fmt.format(r * scale)} {unit}",
                     f"{fmt.format(a * scale)} {unit}", f"{a / r:.2f}×" if r else "-"))
    tokens = statistics.median(s.tokens for s in samples["agentplug"])
    info = {"ready": f"{ready:.1f} s", "tokens": f"{tokens:.0f}",
            "model": f"{server.key.alias} ({Path(server.key.model).name})"}
    return rows, info


def cold_cli() -> tuple[float, float]:
    """The README's first command as a user meets it: a new process, a new server. Seconds
    to the first answer byte and to exit."""
    import subprocess
    import sys

    cli = str(Path(sys.executable).parent / "agentplug")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    start = time.perf_counter()
    proc = subprocess.Popen([cli, "run", "What is the capital of France?"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.read(1)
    first = time.perf_counter() - start
    proc.stdout.read()
    proc.wait(120)
    return first, time.perf_counter() - start


def render(rows: list[tuple[str, str, str, str]], info: dict[str, str], runs: int) -> str:
    """The section's body (under ``SECTION``)."""
    return (f"Measured by `python bench/local_model.py --write "
            f"docs/performance.md` on {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}: model {info['model']} on llama-cpp-python's server, "
            f"prompt {PROMPT!r}, temperature 0, max_tokens {MAX_TOKENS} (median answer "
            f"{info['tokens']} tokens), {runs} alternating runs against the same server "
            f"process. Starting the server (spawn until `GET /v1/models` answers): "
            f"{info['ready']}, once per process and model; later agents share it. The "
            "model's speed is the server's: on a 2-core machine shared with other jobs these "
            "ratios moved by about ±15 % either way between runs.\n\n"
            + table(("measure", "raw openai SDK", "agentplug `local`", "ratio"), rows) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--write", help="also put the section into this markdown file")
    args = parser.parse_args()
    rows, info = asyncio.run(bench(args.runs))
    first, total = cold_cli()
    rows.append(("`agentplug run \"What is the capital of France?\"`, new process (no key): "
                 "first answer byte / exit", "", f"{first:.1f} s / {total:.1f} s", ""))
    body = render(rows, info, args.runs)
    print(f"{SECTION}\n\n{body}")
    if args.write:
        write_section(Path(args.write), SECTION, body)


if __name__ == "__main__":
    main()
