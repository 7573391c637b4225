"""``python -m llama_cpp.server`` under a parent watchdog (the process agentplug starts).

    python -m agentplug.plugins.local.child --model F --host 127.0.0.1 --port P ...

The parent holds the only write end of this process's stdin and never writes to it. When the
parent process is gone — closed, crashed or killed with SIGKILL — the kernel closes that end,
the read below returns EOF and the server exits at once: no orphan, whatever happened. The
parent also stops the server on purpose by closing the pipe.

Why not ``PR_SET_PDEATHSIG``: it fires when the parent *thread* that spawned the child exits,
so a server started from a worker thread (or from an event loop run in a thread) would be
killed while other agents still share it; and it exists on Linux only.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading


def _exit_with_parent() -> None:
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os._exit(0)


def main() -> None:
    threading.Thread(target=_exit_with_parent, name="agentplug-parent-watch", daemon=True
                     ).start()
    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
