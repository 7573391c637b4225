"""The load test's simulator, in its own process (so it does not share the test's GIL or
event loop): Chat Completions answers, one in ten faulty by a seeded draw.

    python faulty_server.py SEED FAULT_RATE TIMEOUT

Prints its port, serves until stdin closes, then prints what it served as JSON.
"""

from __future__ import annotations

import json
import random
import sys
import threading
from collections import Counter
from typing import Any

from agentplug.testing import ChatCompletionsSimulator, Fault, Reply


class FaultyScript:
    def __init__(self, seed: int, rate: float, timeout: float) -> None:
        self.rng, self.rate = random.Random(seed), rate
        self.faults = {
            "http 429": Fault.http(429, retry_after=0.05),
            "http 500": Fault.http(500),
            "drop": Fault(drop_after=1),
            "malformed": Fault(malformed_after=1),
            "stall": Fault(delay=timeout + 0.5),
        }
        self.lock = threading.Lock()
        self.served: Counter[str] = Counter()
        self.clean = False  # after the faulty turns: every answer good

    def __call__(self, request: Any) -> Reply:
        with self.lock:
            kind = "ok"
            if not self.clean and self.rng.random() < self.rate:
                kind = self.rng.choice(sorted(self.faults))
            self.served[kind] += 1
        return Reply("pong, with a few words of text", fault=self.faults.get(kind))


def main() -> None:
    seed, rate, timeout = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    script = FaultyScript(seed, rate, timeout)
    with ChatCompletionsSimulator(default=script) as sim:
        print(sim.port, flush=True)
        for line in sys.stdin:  # "clean": stop the faults
            if line.strip() == "clean":
                script.clean = True
    print(json.dumps(dict(script.served)), flush=True)


if __name__ == "__main__":
    main()
