"""A Chat Completions simulator for batches: it answers each task by its id, injects faults,
logs when every request arrived, and can report a cost the way OpenRouter does."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from agentplug.testing import ChatCompletionsSimulator, Fault, Reply
from agentplug.testing.server import RecordedRequest, Response


def task_id(request: RecordedRequest) -> str:
    """The id in a prompt written by ``write_tasks`` ("task <id>")."""
    last = request.body["messages"][-1]["content"]
    text = last if isinstance(last, str) else last[0]["text"]
    return text.split()[1]


def refused(tid: str) -> bool:
    """Tasks whose every response is a non-retryable fault: 10% of them."""
    return int(tid) % 10 == 3


class BatchSim(ChatCompletionsSimulator):
    def __init__(self, *, refuse: bool = False, transient: float = 0.0,
                 cost: float | None = None, chunk_delay: float = 0.0, seed: int = 0) -> None:
        super().__init__(default=self._answer)
        self.refuse, self.transient, self.cost = refuse, transient, cost
        self.chunk_delay = chunk_delay
        self.rng = random.Random(seed)
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic(), task id)
        self._log = threading.Lock()

    def route(self, request: RecordedRequest) -> Response:
        if request.method == "POST" and request.path.endswith("/chat/completions"):
            with self._log:
                self.arrivals.append((time.monotonic(), task_id(request)))
        return super().route(request)

    def _answer(self, request: RecordedRequest) -> Reply | Fault:
        tid = task_id(request)
        if self.refuse and refused(tid):
            return Fault.http(400, message=f"task {tid} refused")
        with self._log:
            roll, kind = self.rng.random(), self.rng.randrange(3)
        if roll < self.transient:
            if kind == 0:
                return Fault.http(503, retry_after=0)
            if kind == 1:
                return Reply(f"broken answer {tid}", fault=Fault(drop_after=1))
            return Reply(f"broken answer {tid}", fault=Fault(malformed_after=1))
        return Reply(f"answer {tid}", usage={"input": 10, "output": 5}, chunk_size=64,
                     chunk_delay=self.chunk_delay)

    def _usage(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        usage = super()._usage(reply, body)
        if self.cost is not None:
            usage["cost"] = self.cost  # a provider-reported cost, as OpenRouter sends it
        return usage

    def requests_for(self, tid: str) -> int:
        return sum(1 for _, t in self.arrivals if t == tid)


def write_tasks(path: Path, n: int, **extra: Any) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": str(i), "prompt": f"task {i}", **extra}) + "\n")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    assert not text or text.endswith("\n"), "a half-written line"
    return [json.loads(line) for line in text.splitlines()]


def config_text(base_url: str, **backend: Any) -> str:
    extra = "".join(f"      {k}: {json.dumps(v)}\n" for k, v in backend.items())
    return (f"agents:\n  - id: main\n    backend:\n      type: chatcompletion\n"
            f"      model: sim-model\n      base_url: {base_url}\n{extra}"
            f"  - id: other\n    system_message: You are the other agent.\n"
            f"    backend: {{type: chatcompletion, model: other-model, base_url: {base_url}}}\n")


AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``agentplug batch ARGS`` in a child process, to completion."""
    return subprocess.run([AGENTPLUG, "batch", *args], capture_output=True, text=True,
                          timeout=timeout)


def max_in_window(times: list[float], period: float) -> int:
    """The most requests that arrived within any ``period`` seconds."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - period:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
