"""The shared machinery of the wire simulators: a real HTTP server on 127.0.0.1.

It runs in its own threads, so the SDK under test (async or not, in this process or in a
child such as the Claude Code CLI) talks to it over a real socket. Responses use chunked
transfer encoding, so connections stay alive as with real providers, and a dropped stream is
a real connection cut mid-body.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .script import Fault, RawResponse, Reply, ScriptEntry

HOST = "127.0.0.1"  # simulators never listen beyond this machine


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None  # parsed JSON, or raw text when not JSON

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(slots=True)
class Response:
    """What a route answers: a status, headers, and a body or a stream of SSE events."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: Iterable[bytes] | None = None
    fault: Fault | None = None
    chunk_delay: float = 0.0


class ScriptExhausted(Exception):
    pass


class Simulator:
    """Base class: subclasses implement ``route`` for their provider's endpoints."""

    def __init__(self, *script: ScriptEntry, default: ScriptEntry | None = None) -> None:
        self._script: deque[ScriptEntry] = deque(script)
        self.default = default  # answers when the script is empty (benchmarks, demos)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # scripting ---------------------------------------------------------------------------
    def script(self, *entries: ScriptEntry) -> Simulator:
        with self._lock:
            self._script.extend(entries)
        return self

    def next_reply(self, request: RecordedRequest) -> Reply | RawResponse:
        with self._lock:
            if self._script:
                entry = self._script.popleft()
            elif self.default is not None:
                entry = self.default
            else:
                raise ScriptExhausted(f"no scripted reply left for {request.method} "
                                      f"{request.path}")
        if callable(entry) and not isinstance(entry, (Reply, RawResponse, Fault)):
            entry = entry(request)
        return Reply(fault=entry) if isinstance(entry, Fault) else entry

    @property
    def pending(self) -> int:
        return len(self._script)

    # lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def port(self) -> int:
        assert self._server is not None, "simulator not started"
        return int(self._server.server_address[1])

    def start(self, port: int = 0) -> Simulator:
        handler = type("Handler", (_Handler,), {"simulator": self})
        self._server = _Server((HOST, port), handler)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"{type(self).__name__}:{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.cut_connections(timeout=5)
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sleep(self, seconds: float) -> bool:
        """Wait, but wake at once when the simulator stops; False if it did."""
        return not self._stopping.wait(seconds) if seconds > 0 else True

    # to implement --------------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    def error_response(self, status: int, message: str) -> Response:
        """The provider's error body for an HTTP error (subclasses override the shape)."""
        return json_response({"error": {"message": message}}, status)

    def error_event(self, message: str) -> bytes:
        """The provider's in-stream error event."""
        return sse({"error": {"message": message}})

    def malformed_event(self) -> bytes:
        return b"data: {\"this is not\": json\n\n"

    # rendering ---------------------------------------------------------------------------
    def respond(self, request: RecordedRequest) -> Response:
        try:
            return self.route(request)
        except ScriptExhausted as exc:
            return self.error_response(500, f"simulator: {exc}")

    def apply_fault(self, response: Response, fault: Fault | None) -> Response:
        if fault is None:
            return response
        if fault.status is not None:
            err = self.error_response(fault.status, fault.message)
            if fault.retry_after is not None:
                err.headers["retry-after"] = f"{fault.retry_after:g}"
            err.fault = Fault(delay=fault.delay)
            return err
        response.fault = fault
        return response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    return Response(status, {"content-type": "application/json", **(headers or {})},
                    json.dumps(data).encode())


def sse(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 refuses bursts of concurrent clients
    daemon_threads = True

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.stopping = False
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered before it starts: stop() must find every handler thread it waits for.
        thread = threading.Thread(target=self._serve, args=(request, client_address),
                                  daemon=True)
        with self._open_lock:
            self._open[request] = thread
        thread.start()

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.pop(request, None)

    def cut_connections(self, timeout: float) -> None:
        """End every open connection and wait for its handler. A client's idle keep-alive
        connection would otherwise keep its handler thread alive after the simulator stopped,
        until that client closes, so a stopped simulator's thread count would depend on when
        its clients' pools are closed."""
        self.stopping = True
        with self._open_lock:
            handlers = list(self._open.items())
        for connection, _ in handlers:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in handlers:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Neither a write cut by stop() nor a client hanging up (a pool closing its idle
        # keep-alive connections) is a failure worth a traceback.
        if not self.stopping and not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    simulator: Simulator
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Small SSE writes must not wait for Nagle + delayed ACK (~40 ms per event).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def _record(self) -> RecordedRequest:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parts = urlsplit(self.path)
        req = RecordedRequest(self.command, parts.path, parse_qs(parts.query),
                              {k.lower(): v for k, v in self.headers.items()}, body)
        self.simulator.requests.append(req)
        return req

    def _handle(self) -> None:
        sim = self.simulator
        resp = sim.respond(self._record())
        fault = resp.fault or Fault()
        if fault.delay and not sim.sleep(fault.delay):
            return
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if resp.events is None:
            self.send_header("content-length", str(len(resp.body)))
            self.end_headers()
            self.wfile.write(resp.body)
            return
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        try:
            for payload in _with_faults(resp.events, fault, sim):
                if payload is None:  # drop: cut the connection mid-body
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
                self.wfile.flush()
                if resp.chunk_delay and not sim.sleep(resp.chunk_delay):
                    return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (e.g. a cancelled stream)

    do_POST = do_GET = do_HEAD = do_PUT = do_DELETE = _handle


def _with_faults(events: Iterable[bytes], fault: Fault, sim: Simulator
                 ) -> Iterator[bytes | None]:
    for n, payload in enumerate(events):
        if fault.drop_after is not None and n >= fault.drop_after:
            yield None
            return
        if fault.malformed_after is not None and n >= fault.malformed_after:
            yield sim.malformed_event()
            return
        if fault.error_after is not None and n >= fault.error_after:
            yield sim.error_event(fault.message)
            return
        yield payload
