"""agentplug's chatcompletion backend vs the raw openai SDK, measured in one run.

    .venv/bin/python bench/chat_completions.py [--write docs/performance.md]

Both clients stream from the same simulator, which runs in another process so that
``time.process_time`` counts the client's CPU only. Each figure is the median of several
alternating runs. Targets (from the core issue) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from _markdown import table, write_section  # bench/ is on sys.path: these run as scripts

ROOT = Path(__file__).resolve().parents[1]


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_sim_server.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


class Clients:
    def __init__(self, base_url: str) -> None:
        from openai import AsyncOpenAI

        from agentplug import create_agent

        self.raw = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
        self.base_url = base_url
        self.agent = create_agent({"type": "chatcompletion", "model": "chunks-1",
                                   "base_url": base_url, "max_retries": 0})

    async def raw_stream(self, n: int) -> int:
        stream = await self.raw.chat.completions.create(
            model=f"chunks-{n}", messages=[{"role": "user", "content": "go"}], stream=True,
            stream_options={"include_usage": True})
        count = 0
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    count += 1
        return count

    async def agent_stream(self, n: int, agent: object | None = None) -> int:
        from agentplug import TextDelta, create_agent

        if agent is None:
            agent = create_agent({"type": "chatcompletion", "model": f"chunks-{n}",
                                  "base_url": self.base_url, "max_retries": 0})
        count = 0
        async for event in agent.stream("go"):  # type: ignore[attr-defined]
            if isinstance(event, TextDelta):
                count += 1
        return count


async def measure(fn: Callable[[], Awaitable[int]]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    await fn()
    return time.process_time() - cpu, time.perf_counter() - wall


async def paired(runs: int, raw: Callable[[], Awaitable[int]],
                 ours: Callable[[], Awaitable[int]]) -> dict[str, tuple[float, float]]:
    samples: dict[str, list[tuple[float, float]]] = {"raw": [], "agentplug": []}
    await raw(), await ours()  # warm up connections and imports
    for i in range(runs):
        order = [("raw", raw), ("agentplug", ours)]
        for name, fn in order if i % 2 == 0 else reversed(order):
            samples[name].append(await measure(fn))
    return {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
            for k, v in samples.items()}


async def bench_streams(clients: Clients) -> list[tuple[str, str, str, str, str]]:
    rows = []
    n = 2000
    r = await paired(7, lambda: clients.raw_stream(n), lambda: clients.agent_stream(n))
    (rc, rw), (ac, aw) = r["raw"], r["agentplug"]
    rows.append(("CPU per chunk (2,000-chunk stream)", f"{rc / n * 1e6:.1f} µs",
                 f"{ac / n * 1e6:.1f} µs", f"{ac / rc:.2f}×", "≤ 1.05×"))
    rows.append(("wall per chunk (2,000-chunk stream)", f"{rw / n * 1e6:.1f} µs",
                 f"{aw / n * 1e6:.1f} µs", f"{aw / rw:.2f}×", ""))

    async with clients.agent as agent:
        async def one_turn() -> int:
            await agent.reset()
            return await clients.agent_stream(1, agent)

        r = await paired(21, lambda: clients.raw_stream(1), one_turn)
    (rc, rw), (ac, aw) = r["raw"], r["agentplug"]
    rows.append(("fixed cost of one request (wall, median of 21)", f"{rw * 1e3:.2f} ms",
                 f"{aw * 1e3:.2f} ms", f"+{(aw - rw) * 1e3:.2f} ms", "≤ raw + 1 ms"))

    async def concurrent(fn: Callable[[], Awaitable[int]]) -> int:
        await asyncio.gather(*(fn() for _ in range(50)))
        return 0

    r = await paired(3, lambda: concurrent(lambda: clients.raw_stream(200)),
                     lambda: concurrent(lambda: clients.agent_stream(200)))
    (rc, rw), (ac, aw) = r["raw"], r["agentplug"]
    rows.append(("50 concurrent streams × 200 chunks (wall)", f"{rw * 1e3:.0f} ms",
                 f"{aw * 1e3:.0f} ms", f"{aw / rw:.2f}×", "≤ 1.2×"))
    return rows


def process_time(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup_rows() -> list[tuple[str, str, str, str, str]]:
    cli = str(Path(sys.executable).parent / "agentplug")
    help_s = process_time([cli, "--help"])
    bare = process_time([sys.executable, "-c", "pass"])
    imp = process_time([sys.executable, "-c", "import agentplug"])
    sdk = subprocess.run(
        [sys.executable, "-c", "import sys, agentplug; agentplug.Agent; agentplug.create_agent; "
         "print(sorted(m for m in ('openai', 'anthropic', 'google.genai', 'claude_agent_sdk', "
         "'autogen', 'mcp') if m in sys.modules))"], capture_output=True, text=True, check=True)
    return [
        ("`agentplug --help` (process, median of 7)", "", f"{help_s * 1e3:.0f} ms", "",
         "≤ 250 ms"),
        ("`import agentplug` (process, median of 7)", f"{bare * 1e3:.0f} ms (bare python)",
         f"{imp * 1e3:.0f} ms", "", ""),
        ("provider SDKs imported by `import agentplug`", "", sdk.stdout.strip(), "", "[]"),
    ]


def render(rows: list[tuple[str, str, str, str, str]]) -> str:
    return table(("measure", "raw SDK", "agentplug", "ratio", "target"), rows)


async def main_async() -> list[tuple[str, str, str, str, str]]:
    proc, url = start_server()
    try:
        clients = Clients(url)
        return await bench_streams(clients)
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)


SECTION = "## Chat Completions: `chatcompletion` vs the raw openai SDK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", help="also write the table into this markdown file")
    args = parser.parse_args()
    rows = asyncio.run(main_async()) + startup_rows()
    table = render(rows)
    print(table)
    if args.write:
        import platform

        write_section(Path(args.write), SECTION, (
            f"Measured by `python bench/chat_completions.py --write {args.write}` on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, in one run against the same simulator "
            "process.\n\n" + table))


if __name__ == "__main__":
    main()
