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


ALLOW_AMX = "AGENTPLUG_LOCAL_ALLOW_AMX"
PORTABLE_FLAGS = ("-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
                  "-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DLLAVA_BUILD=OFF")


def amx_refusal(system_info: bytes, version: str, python: str) -> str | None:
    """Why this llama.cpp build must not run, or None. A native build (what a plain
    ``pip install llama-cpp-python`` makes) on a CPU with AMX has AMX kernels compiled in,
    and on some CPU families they segfault on the first token (ggml_backend_amx_mul_mat)."""
    if b"AMX_INT8 = 1" not in system_info or os.environ.get(ALLOW_AMX):
        return None
    return ("agentplug: this llama-cpp-python is a native build with AMX kernels, which "
            "crash on this CPU family. Rebuild it with portable flags:\n"
            f'  CMAKE_ARGS="{PORTABLE_FLAGS}" {python} -m pip install --force-reinstall '
            f"--no-deps --no-cache-dir 'llama-cpp-python[server]=={version}'\n"
            f"(or run `bash scripts/setup.sh` in a clone; {ALLOW_AMX}=1 runs it anyway)\n")


def main() -> None:
    threading.Thread(target=_exit_with_parent, name="agentplug-parent-watch", daemon=True
                     ).start()
    import llama_cpp

    refusal = amx_refusal(llama_cpp.llama_print_system_info(), llama_cpp.__version__,
                          sys.executable)
    if refusal:
        sys.stderr.write(refusal)
        sys.exit(78)  # EX_CONFIG: the install, not the request, is at fault
    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
