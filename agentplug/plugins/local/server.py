"""The llama.cpp server processes the local backend owns, shared per model and settings.

``acquire`` returns a lease on a server for a ``ServerKey``: the first lease starts the
process (``python -m llama_cpp.server`` under the watchdog of ``local.child``), later leases
with the same key share it, and releasing the last lease stops it. Starting only spawns the
process; ``LlamaServer.wait_ready`` then polls ``GET /v1/models`` until the model is loaded.

No orphan: leases are released on agent close (also on Ctrl-C and errors, through the
agent's ``async with``), an ``atexit`` hook stops whatever is left at interpreter exit, and
the child's watchdog ends it when this process dies in any other way (even SIGKILL).
Thread-safe: agents driven from different event loops share the pool.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from agentplug.core.errors import BackendError, ProviderTimeoutError, UsageError

HOST = "127.0.0.1"
_TAIL_BYTES = 64 * 1024
_POLL_SECONDS = 0.1


class LocalServerError(BackendError):
    """The llama.cpp server could not start, or died; the message quotes its last log lines."""


@dataclass(frozen=True, slots=True)
class ServerKey:
    """What makes two servers different; equal keys share one server."""

    model: str
    alias: str
    n_ctx: int | None = None
    n_threads: int | None = None
    chat_format: str | None = None
    port: int | None = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return True
    return False


class LlamaServer:
    """One ``llama_cpp.server`` child process on 127.0.0.1."""

    def __init__(self, key: ServerKey) -> None:
        self.key = key
        self.port = key.port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = False
        self.started_at = 0.0
        self.ready_after: float | None = None
        self._log_fd: int | None = None
        self._moved = False

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def exits_within(self, seconds: float) -> bool:
        """Whether the process has exited or does so within ``seconds`` (blocking)."""
        if self.proc is None:
            return False
        try:
            self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def command(self) -> list[str]:
        k = self.key
        args = [sys.executable, "-m", "agentplug.plugins.local.child", "--model", k.model,
                "--model_alias", k.alias, "--host", HOST, "--port", str(self.port),
                # Shared by several agents: queue concurrent requests. The default cuts the
                # running stream short (a bare [DONE], no finish_reason) when another arrives.
                "--interrupt_requests", "False"]
        for flag, value in (("--n_ctx", k.n_ctx), ("--n_threads", k.n_threads),
                            ("--chat_format", k.chat_format)):
            if value is not None:
                args += [flag, str(value)]
        return args

    def start(self) -> None:
        if self.key.port is not None and port_in_use(self.port):
            raise UsageError(f"local model: port {self.port} on {HOST} is already in use; "
                             "choose another `port:` or leave it out for a free one")
        # The log goes to an unlinked file: nothing to drain, nothing left on disk, and its
        # tail can still be read for error messages (O_APPEND keeps the writer's offset).
        fd, path = tempfile.mkstemp(prefix="agentplug-llama-", suffix=".log")
        os.close(fd)
        self._log_fd = os.open(path, os.O_RDWR | os.O_APPEND)
        os.unlink(path)
        self.started_at = time.monotonic()
        self._spawn()

    def _spawn(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()  # a previous attempt's watchdog pipe
        # A new session: Ctrl-C in the terminal reaches agentplug, which stops the server in
        # order, instead of killing it under a running stream.
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.PIPE, stdout=self._log_fd,
            stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, lines: int = 12) -> str:
        if self._log_fd is None:
            return ""
        size = os.fstat(self._log_fd).st_size
        start = max(0, size - _TAIL_BYTES)
        text = os.pread(self._log_fd, size - start, start).decode(errors="replace")
        kept = [line for line in text.splitlines() if line.strip()][-lines:]
        return "\n".join(kept)

    def log_size(self) -> int:
        return os.fstat(self._log_fd).st_size if self._log_fd is not None else 0

    def log_since(self, offset: int) -> str:
        """What the server logged after ``offset`` (at most the last 64 KB of it)."""
        size = self.log_size()
        start = max(offset, size - _TAIL_BYTES)
        if self._log_fd is None or size <= start:
            return ""
        return os.pread(self._log_fd, size - start, start).decode(errors="replace")

    def failure(self, what: str) -> LocalServerError:
        tail = self.log_tail()
        log = ("\n  server log (last lines):\n    " + tail.replace("\n", "\n    ")
               if tail else " (the server printed nothing)")
        return LocalServerError(f"local model: the llama.cpp server for {self.key.model} "
                                f"{what}.{log}")

    async def wait_ready(self, timeout: float) -> None:
        """Poll until the server answers ``GET /v1/models``; LocalServerError otherwise."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.proc is None or self.proc.poll() is not None:
                if self._port_was_taken():
                    # Another process took the free port between our pick and the server's
                    # bind: pick again, once.
                    self._moved = True
                    self.port = free_port()
                    self._spawn()
                    continue
                code = self.proc.returncode if self.proc else None
                raise self.failure(f"exited with code {code} before it was ready")
            if await self._answers():
                await self._warm_up(max(1.0, deadline - time.monotonic()))
                self.ready = True
                self.ready_after = time.monotonic() - self.started_at
                break
            if time.monotonic() > deadline:
                err = self.failure(f"was not ready after {timeout:g} s (raise "
                                   "`startup_timeout` if the machine is just slow)")
                raise ProviderTimeoutError(str(err))
            await asyncio.sleep(_POLL_SECONDS)

    async def _warm_up(self, timeout: float) -> None:
        # The server's first chat completion costs seconds (measured here: 2.5-7 s on 2
        # cores; a plain completion does not pay it): pay it while "starting" is shown, so
        # the first real answer streams at once.
        with contextlib.suppress(OSError, TimeoutError, ValueError):
            await self.request("POST", "/v1/chat/completions",
                               {"messages": [{"role": "user", "content": "Hi"}],
                                "max_tokens": 1, "temperature": 0}, timeout)

    def _port_was_taken(self) -> bool:
        return (self.key.port is None and not self._moved and self.proc is not None
                and "address already in use" in self.log_tail(4).lower())

    async def _answers(self) -> bool:
        try:
            status, _ = await self.request("GET", "/v1/models")
        except (OSError, TimeoutError, ValueError):
            return False
        return status == 200

    async def count_tokens(self, text: str) -> int:
        """The model's token count for ``text`` (llama-cpp-python's tokenize extra); 0 if
        the server cannot tell."""
        try:
            status, body = await self.request("POST", "/extras/tokenize/count",
                                              {"input": text, "model": self.key.alias})
            return int(json.loads(body)["count"]) if status == 200 else 0
        except (OSError, TimeoutError, ValueError, KeyError, TypeError):
            return 0

    async def request(self, method: str, path: str, body: object = None,
                      timeout: float = 5.0) -> tuple[int, bytes]:
        """A tiny HTTP/1.1 client for the server's own endpoints (no SDK needed)."""
        data = b"" if body is None else json.dumps(body).encode()
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, self.port),
                                                timeout)
        try:
            writer.write(f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                         "Connection: close\r\n\r\n".encode() + data)
            raw = await asyncio.wait_for(reader.read(), timeout)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        head, _, payload = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, payload

    def stop(self, grace: float = 3.0) -> None:
        """Close the watchdog pipe (the server exits at once), then make sure; blocking and
        idempotent. The process is reaped, so ``pid`` names no zombie afterwards."""
        proc = self.proc
        if proc is not None:
            if proc.stdin is not None and not proc.stdin.closed:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None


@dataclass(slots=True)
class _Entry:
    server: LlamaServer
    refs: int = 0


class Lease:
    """One agent's share of a server; ``release`` is idempotent."""

    def __init__(self, pool: ServerPool, key: ServerKey, server: LlamaServer) -> None:
        self.pool, self.key, self.server = pool, key, server
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.pool.release(self)


class ServerPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[ServerKey, _Entry] = {}
        self._atexit = False

    def acquire(self, key: ServerKey) -> Lease:
        dead: LlamaServer | None = None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.server.exited:
                dead = entry.server  # crashed: its leases fail; new ones get a new server
                del self._entries[key]
                entry = None
            if entry is None:
                server = LlamaServer(key)
                server.start()
                entry = self._entries[key] = _Entry(server)
                if not self._atexit:
                    atexit.register(self.stop_all)
                    self._atexit = True
            entry.refs += 1
            lease = Lease(self, key, entry.server)
        if dead is not None:
            dead.stop()
        return lease

    def release(self, lease: Lease) -> None:
        to_stop: LlamaServer | None = None
        with self._lock:
            entry = self._entries.get(lease.key)
            if entry is not None and entry.server is lease.server:
                entry.refs -= 1
                if entry.refs <= 0:
                    del self._entries[lease.key]
                    to_stop = entry.server
            else:
                to_stop = lease.server  # replaced after a crash: reap it
        if to_stop is not None:
            to_stop.stop()

    def servers(self) -> list[LlamaServer]:
        with self._lock:
            return [e.server for e in self._entries.values()]

    def stop_all(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            entry.server.stop(grace=1.0)


POOL = ServerPool()


def describe(path: Path) -> str:
    from .model import display_name, human_size

    try:
        size = human_size(path.stat().st_size)
    except OSError:
        size = "?"
    return f"{display_name(path)}, {size}"
