"""A Chat Completions simulator in its own process, so the client's CPU is measured alone.

The request's model name sets the stream length: ``chunks-2000`` streams 2,000 text chunks.
Prints the base URL on stdout, then serves until stdin closes.
"""

from __future__ import annotations

import sys

from agentplug.testing import ChatCompletionsSimulator, Reply


def reply_for(request):  # type: ignore[no-untyped-def]
    n = int(str(request.body.get("model", "chunks-1")).rsplit("-", 1)[-1])
    return Reply("x" * n, chunk_size=1, usage={"input": 10, "output": n})


if __name__ == "__main__":
    with ChatCompletionsSimulator(default=reply_for) as sim:
        print(sim.base_url, flush=True)
        sys.stdin.read()
