"""Removes one container when the server that owns it dies, however it dies.

    python -m agentplug.toolsets.command_line.reaper CONTAINER_ID

The server starts this in a session of its own with a pipe on its stdin and never writes to
it: the pipe closes when the server exits — cleanly, on SIGTERM, or killed with -9 by a client
that gave it no time to clean up — and the reaper then removes the container (already gone
after a clean close: nothing to do). Labels and reaping on the next start remain the second
line of defence.
"""

from __future__ import annotations

import contextlib
import signal
import sys


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the owner's ^C is not ours
    import docker  # before waiting: the removal itself should be quick

    client = docker.from_env(timeout=120)
    sys.stdin.buffer.read()  # returns when every writer (the server) is gone
    with contextlib.suppress(Exception):
        client.containers.get(argv[0]).remove(force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
