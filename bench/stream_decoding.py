"""Stream decoding: agentplug's fast path and its SDK path against the raw SDKs, per wire.

    .venv/bin/python bench/stream_decoding.py [--write docs/performance.md] [--rounds 3]

The four simulators run in another process (``--serve``), so ``time.process_time`` counts
the client's CPU only. For each wire, a 2,000-chunk text stream is read four ways: the raw
SDK (its stream of models, reading each text delta), the floor (the SDK's own ``httpx2``
client and ``json.loads`` per ``data:`` line), agentplug (fast path, the default) and
agentplug with ``fast_stream: false`` (the SDK path); where the SDK offers its aiohttp
transport (openai, anthropic), the raw SDK and agentplug (``http_client: aiohttp``) on it as
well. Each figure is the median of alternating rounds. Then 200 agents stream 500 chunks each
at once on one event loop, the same load through the raw SDK beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _markdown import table, write_section  # bench/ is on sys.path: these run as scripts

ROOT = Path(__file__).resolve().parents[1]
WIRES = ("chat_completions", "responses", "anthropic", "gemini")
SECTION = "## Stream decoding: the fast path vs the raw SDKs"
# 200 streams at once from one simulator process on 2 cores: connecting alone can take longer
# than the SDKs' default 5 s connect timeout.
TIMEOUT = 300.0


# the server process ------------------------------------------------------------------------
def _chunks(request: Any) -> int:
    """The stream length is in the model name (``chunks-2000``), in the body or, for
    Gemini, the path."""
    model = str((request.body or {}).get("model") or request.path)
    return int(model.split("chunks-", 1)[1].split(":", 1)[0].split("/", 1)[0])


def serve() -> None:
    from agentplug.testing import (
        AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    )

    def reply(request: Any) -> Reply:
        n = _chunks(request)
        return Reply("x" * n, chunk_size=1, usage={"input": 10, "output": n})

    sims: dict[str, Any] = {"chat_completions": ChatCompletionsSimulator(default=reply),
            "responses": ResponsesSimulator(default=reply),
            "anthropic": AnthropicSimulator(default=reply),
            "gemini": GeminiSimulator(default=reply)}
    for sim in sims.values():
        sim.start()
    print(json.dumps({k: s.base_url for k, s in sims.items()}), flush=True)
    sys.stdin.read()
    for sim in sims.values():
        sim.stop()


# the clients -------------------------------------------------------------------------------
class Wire:
    """One wire's four readers over the same simulator. Closed with ``aclose``: a raw SDK
    client left to the garbage collector stalls other streams on the loop (see
    docs/performance.md, "Streams that stalled")."""

    def __init__(self, name: str, base_url: str) -> None:
        self.name, self.base_url = name, base_url
        self.sdk = self._sdk_client()
        self.sdk_aiohttp = self._sdk_client(aiohttp=True) if self.has_aiohttp else None
        import httpx2

        self.http = httpx2.AsyncClient(timeout=TIMEOUT,
                                       limits=httpx2.Limits(max_connections=1000))

    async def aclose(self) -> None:
        from agentplug.sdk.clients import close_client

        for sdk in (self.sdk, self.sdk_aiohttp):
            if sdk is not None:
                await close_client(sdk)
        await self.http.aclose()

    @property
    def has_aiohttp(self) -> bool:
        """Whether this wire's SDK offers its aiohttp transport (``http_client: aiohttp``)."""
        return self.name != "gemini"

    def _sdk_client(self, aiohttp: bool = False) -> Any:
        import anthropic
        import openai

        sdk = openai if self.name in ("chat_completions", "responses") else anthropic
        if self.name != "gemini":
            cls = sdk.AsyncOpenAI if sdk is openai else sdk.AsyncAnthropic
            extra = {"http_client": sdk.DefaultAioHttpClient()} if aiohttp else {}
            return cls(base_url=self.base_url, api_key="bench", max_retries=0,
                       timeout=TIMEOUT, **extra)
        from google import genai

        return genai.Client(api_key="bench", http_options={
            "base_url": self.base_url, "api_version": "v1", "timeout": int(TIMEOUT * 1000)})

    def config(self, n: int, fast: bool, aiohttp: bool = False) -> dict[str, Any]:
        kind = {"chat_completions": "chatcompletion", "responses": "openai",
                "anthropic": "claude", "gemini": "gemini"}[self.name]
        extra = {"http_client": "aiohttp"} if aiohttp else {}
        return {"type": kind, "model": f"chunks-{n}", "base_url": self.base_url,
                "api_key": "bench", "max_retries": 0, "timeout": TIMEOUT, "fast_stream": fast,
                **extra}

    async def raw_sdk(self, n: int, aiohttp: bool = False) -> int:
        count = 0
        model, prompt = f"chunks-{n}", [{"role": "user", "content": "go"}]
        sdk = self.sdk_aiohttp if aiohttp else self.sdk
        if self.name == "chat_completions":
            stream = await sdk.chat.completions.create(
                model=model, messages=prompt, stream=True, stream_options={"include_usage": True})
            async for chunk in stream:
                for choice in chunk.choices:
                    if choice.delta.content:
                        count += 1
        elif self.name == "responses":
            stream = await sdk.responses.create(model=model, input="go", stream=True)
            async for event in stream:
                if event.type == "response.output_text.delta":
                    count += 1
        elif self.name == "anthropic":
            stream = await sdk.messages.create(model=model, messages=prompt, max_tokens=10,
                                                    stream=True)
            async for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    count += 1
        else:
            chunks = await sdk.aio.models.generate_content_stream(model=model,
                                                                       contents="go")
            async for chunk in chunks:
                if chunk.text:
                    count += 1
        return count

    def _floor_request(self, n: int) -> tuple[str, dict[str, Any]]:
        model = f"chunks-{n}"
        if self.name == "chat_completions":
            return "/chat/completions", {"model": model, "stream": True,
                                         "messages": [{"role": "user", "content": "go"}]}
        if self.name == "responses":
            return "/responses", {"model": model, "input": "go", "stream": True}
        if self.name == "anthropic":
            return "/v1/messages", {"model": model, "max_tokens": 10, "stream": True,
                                    "messages": [{"role": "user", "content": "go"}]}
        return (f"/v1/models/{model}:streamGenerateContent?alt=sse",
                {"contents": [{"role": "user", "parts": [{"text": "go"}]}]})

    async def floor(self, n: int) -> int:
        path, body = self._floor_request(n)
        count = 0
        async with self.http.stream("POST", self.base_url + path, json=body,
                                    headers={"authorization": "Bearer bench",
                                             "x-goog-api-key": "bench"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line[6:] != "[DONE]":
                    json.loads(line[6:])
                    count += 1
        return count

    async def agentplug(self, n: int, fast: bool, aiohttp: bool = False) -> int:
        from agentplug import TextDelta, create_agent

        count = 0
        async with create_agent(self.config(n, fast, aiohttp)) as agent:
            async for event in agent.stream("go"):
                if type(event) is TextDelta:
                    count += 1
        return count

    async def text_payload(self) -> bytes:
        """One text chunk's ``data:`` payload, as this wire sends it."""
        path, body = self._floor_request(9)
        payloads = []
        async with self.http.stream("POST", self.base_url + path, json=body,
                                    headers={"authorization": "Bearer bench",
                                             "x-goog-api-key": "bench"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and '"x"' in line:
                    payloads.append(line[6:].encode())
        return payloads[len(payloads) // 2]


PARSERS: dict[str, Callable[[bytes], Any]] = {}


def _parsers() -> dict[str, Callable[[bytes], Any]]:
    """The JSON parsers a fast path could use (those installed), by name."""
    if not PARSERS:
        import jiter

        PARSERS.update({"json.loads": json.loads, "jiter": jiter.from_json})
        try:
            import orjson

            PARSERS["orjson"] = orjson.loads
        except ImportError:
            pass
        try:
            import msgspec

            PARSERS["msgspec"] = msgspec.json.decode
        except ImportError:
            pass
    return PARSERS


def parse_cost(payload: bytes, number: int = 20000) -> dict[str, float]:
    """Seconds per parse of ``payload``, best of 5, for each parser."""
    import timeit

    return {name: min(timeit.repeat(functools.partial(fn, payload), number=number,
                                    repeat=5)) / number
            for name, fn in _parsers().items()}


async def cpu_of(fn: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    await fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def readers(wire: Wire, n: int) -> dict[str, Callable[[], Awaitable[Any]]]:
    fns = {"raw SDK": lambda: wire.raw_sdk(n), "floor": lambda: wire.floor(n),
           "agentplug": lambda: wire.agentplug(n, True),
           "agentplug (SDK path)": lambda: wire.agentplug(n, False)}
    if wire.has_aiohttp:
        fns["raw SDK (aiohttp)"] = lambda: wire.raw_sdk(n, aiohttp=True)
        fns["agentplug (aiohttp)"] = lambda: wire.agentplug(n, True, aiohttp=True)
    return fns


async def per_chunk(wire: Wire, n: int, rounds: int) -> dict[str, float]:
    fns = readers(wire, n)
    for fn in fns.values():  # warm up: imports, connections, the SDK's models
        await fn()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for i in range(rounds):
        order = list(fns.items())
        for name, fn in order if i % 2 == 0 else reversed(order):
            samples[name].append((await cpu_of(fn))[0])
    return {k: statistics.median(v) / n for k, v in samples.items()}


async def many_agents(wire: Wire, agents: int, n: int) -> dict[str, tuple[float, float, int]]:
    """(CPU, wall, streams that ended short of ``n`` text chunks) per reader."""
    fns = readers(wire, n)
    del fns["floor"]
    out = {}
    for name in fns:
        counts: list[int] = []

        async def load(fn: Callable[[], Awaitable[Any]] = fns[name],
                       counts: list[int] = counts) -> None:
            counts.extend(await asyncio.gather(*(fn() for _ in range(agents))))

        cpu, wall = await cpu_of(load)
        out[name] = (cpu, wall, sum(c != n for c in counts))
    return out


def _short(streams: int) -> str:
    return f", {streams} streams cut short" if streams else ""


def _ns(seconds: float) -> str:
    return f"{seconds * 1e9:,.0f} ns"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


async def main_async(urls: dict[str, str], wires: list[str], rounds: int, agents: int,
                     load_wires: list[str]) -> str:
    n = 2000
    rows, parse_rows, load_rows = [], [], []
    for name in dict.fromkeys([*wires, *load_wires]):
        wire = Wire(name, urls[name])
        try:
            if name in wires:
                rows.append(_per_chunk_row(name, await per_chunk(wire, n, rounds)))
                print(rows[-1], flush=True)
                costs = parse_cost(payload := await wire.text_payload())
                parse_rows.append((name, f"{len(payload)} B", *(_ns(c) for c in costs.values())))
            if name in load_wires:
                for warm_up in readers(wire, 10).values():
                    await warm_up()
                load_rows.append(_load_row(name, await many_agents(wire, agents, 500)))
                print(load_rows[-1], flush=True)
        finally:
            await wire.aclose()
    text = ""
    if rows:
        text = (f"Client CPU per chunk, {n:,}-chunk text stream, median of {rounds} alternating "
                "rounds:\n\n" + table(("wire", "raw SDK", "floor: httpx2 + json.loads",
                                       "agentplug", "agentplug, `fast_stream: false`",
                                       *AIOHTTP_COLUMNS, "target"), rows))
        text += ("\n\nParsing one text chunk's `data:` payload (bytes in, Python objects out; "
                 "best of 5 × 20,000), the parsers installed:\n\n" + table(
                     ("wire", "payload", *_parsers()), parse_rows))
    if load_rows:
        text += (f"\n\n{agents} agents streaming 500 chunks each at once on one event loop "
                 "(CPU / wall, one round):\n\n" + table(
                     ("wire", "raw SDK", "agentplug", "agentplug, `fast_stream: false`",
                      *AIOHTTP_COLUMNS, "target"), load_rows))
    return text.lstrip()


AIOHTTP_COLUMNS = ("raw SDK on aiohttp", "agentplug, `http_client: aiohttp`")


def _per_chunk_row(name: str, r: dict[str, float]) -> tuple[str, ...]:
    raw = r["raw SDK"]
    cells = [name, _us(raw), f"{_us(r['floor'])} ({r['floor'] / raw:.2f}×)",
             f"{_us(r['agentplug'])} (**{r['agentplug'] / raw:.2f}×**)",
             f"{_us(r['agentplug (SDK path)'])} ({r['agentplug (SDK path)'] / raw:.2f}×)"]
    if "agentplug (aiohttp)" in r:
        raw_aio, aio = r["raw SDK (aiohttp)"], r["agentplug (aiohttp)"]
        cells += [f"{_us(raw_aio)} ({raw_aio / raw:.2f}×)",
                  f"{_us(aio)} (**{aio / raw:.2f}×**; {aio / raw_aio:.2f}× of aiohttp's)"]
    else:
        cells += ["—", "—"]
    return (*cells, "≤ 0.2×")


def _load_row(name: str, load: dict[str, tuple[float, float, int]]) -> tuple[str, ...]:
    rc, rw, rs = load["raw SDK"]
    cells = [name, f"{rc:.1f} s / {rw:.1f} s" + _short(rs)]
    for key in ("agentplug", "agentplug (SDK path)", "raw SDK (aiohttp)",
                "agentplug (aiohttp)"):
        if key not in load:
            cells.append("—")
            continue
        c, w, short = load[key]
        ratio = f"CPU {c / rc:.2f}×"
        if key == "agentplug (aiohttp)":
            ratio += f"; {c / load['raw SDK (aiohttp)'][0]:.2f}× of aiohttp's"
        cells.append(f"{c:.1f} s / {w:.1f} s ({ratio})" + _short(short))
    return (*cells, "CPU ≤ 0.3×")


def _names(arg: str) -> list[str]:
    """A comma-separated list of wires ('' for none)."""
    return [w for w in arg.split(",") if w]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", help="also write the tables into this markdown file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--wires", default=",".join(WIRES),
                        help="wires for the per-chunk figures (comma-separated; '' for none)")
    parser.add_argument("--load-wires", default=",".join(WIRES),
                        help="wires for the many-agents load (comma-separated; '' for none)")
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        urls = json.loads(proc.stdout.readline())
        text = asyncio.run(main_async(urls, _names(args.wires), args.rounds, args.agents,
                                      _names(args.load_wires)))
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    print(text)
    if args.write:
        import platform

        write_section(Path(args.write), SECTION, (
            f"Measured by `python bench/stream_decoding.py --write {args.write}` on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, in one run against the same simulator process. "
            "How to turn the fast path off, and what it keeps: "
            "[Stream decoding](#how-streams-are-decoded).\n\n" + text))


if __name__ == "__main__":
    main()
