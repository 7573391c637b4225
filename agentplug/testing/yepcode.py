"""A YepCode Cloud simulator: the REST API ``yepcode-run`` talks to, on 127.0.0.1.

Written from the SDK's source (``yepcode_run/api/yepcode_api.py``, ``run/execution.py``) and
the SDK's published reference: an API token ``sk-<base64(client_id:secret)>`` is exchanged at
``POST {host}/api/{team}/rest/auth/token`` for a JWT access token; ``yepcode_run.YepCodeRun``
then looks a process up by its slug (404 when new), creates it, starts an execution, and polls
the execution and its logs until the status is final.

Code runs for real, as the service runs it: a Python script's ``main()`` return value becomes
the execution's ``returnValue``, each printed line a log entry, an exception the ``ERROR``
status with the traceback logged. ``sim.runs`` records every (language, code) received.

    with YepCodeSimulator() as sim:
        env = {"YEPCODE_API_HOST": sim.url, "YEPCODE_API_TOKEN": sim.api_token}
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .sandbox_runner import SandboxFolder
from .server import RecordedRequest, Response, Simulator, json_response

# Runs the script, then main() if it defines one, and prints the return value after a
# marker line, so stdout splits into the logs and the return value.
_MARK = "__agentplug_yepcode_return__"
_PY_HARNESS = f"""
import json, sys
_ns = {{"__name__": "__main__"}}
exec(compile(sys.stdin.read(), "main.py", "exec"), _ns)
if callable(_ns.get("main")):
    _value = _ns["main"]()
    print({_MARK!r})
    print(json.dumps(_value, default=str))
"""


@dataclass(slots=True)
class _Execution:
    id: str
    process_id: str
    status: str
    return_value: str | None
    logs: list[dict[str, str]] = field(default_factory=list)
    explanation: str | None = None


class YepCodeSimulator(Simulator):
    """YepCode Cloud's REST API for one team (``team_id``)."""

    def __init__(self, *, team_id: str = "agentplug", timeout: float = 30.0) -> None:
        super().__init__()
        self.team_id = team_id
        self.client_id = f"sa-{team_id}-a1b2c3d4"  # the SDK checks sa-<team>-<8 chars>
        self.client_secret = "simulated-secret"
        self.timeout = timeout
        self.runs: list[tuple[str, str]] = []  # (language, code) of every execution
        self.processes: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self._executions: dict[str, _Execution] = {}
        self._ids = itertools.count(1)
        self._tokens: set[str] = set()
        self._state = threading.Lock()
        self._folder: SandboxFolder | None = None

    @property
    def api_token(self) -> str:
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "sk-" + base64.b64encode(raw).decode()

    def start(self, port: int = 0) -> YepCodeSimulator:
        self._folder = SandboxFolder("agentplug-yepcode-")
        super().start(port)
        return self

    def stop(self) -> None:
        super().stop()
        if self._folder is not None:
            self._folder.remove()
            self._folder = None

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"message": message, "status": status}, status)

    # routes --------------------------------------------------------------------------------
    def route(self, request: RecordedRequest) -> Response:
        prefix = f"/api/{self.team_id}/rest/"
        if not request.path.startswith(prefix):
            return self.error_response(404, f"no team at {request.path}")
        path = request.path[len(prefix):]
        if path == "auth/token" and request.method == "POST":
            return self._token(request)
        if request.header("authorization") not in {f"Bearer {t}" for t in self._tokens}:
            return self.error_response(401, "Unauthorized")
        return self._api(request.method, path, request.body)

    def _token(self, request: RecordedRequest) -> Response:
        if request.header("x-api-token") != self.api_token:
            return self.error_response(401, "invalid api token")
        token = _jwt({"client_id": self.client_id, "exp": int(time.time()) + 3600,
                      "jti": str(next(self._ids))})
        self._tokens.add(token)
        return json_response({"access_token": token, "expires_in": 3600,
                              "token_type": "Bearer"})

    def _api(self, method: str, path: str, body: Any) -> Response:
        if match := re.fullmatch(r"processes/([^/]+)", path):
            return self._process(method, match.group(1))
        if path == "processes" and method == "POST":
            return self._create_process(body or {})
        if (match := re.fullmatch(r"processes/([^/]+)/execute", path)) and method == "POST":
            return self._execute(match.group(1))
        if match := re.fullmatch(r"executions/([^/]+)(/logs)?", path):
            execution = self._executions.get(match.group(1))
            if execution is None:
                return self.error_response(404, "Execution not found")
            if match.group(2):
                return json_response({"data": execution.logs, "hasNextPage": False,
                                      "total": len(execution.logs)})
            return json_response(_execution_body(execution))
        return self.error_response(404, f"no route {method} {path}")

    def _process(self, method: str, key: str) -> Response:
        found = self.processes.get(key) or next(
            (p for p in self.processes.values() if p["id"] == key), None)
        if found is None:
            return self.error_response(404, f"Process {key} not found")
        if method == "DELETE":
            self.processes.pop(found["slug"], None)
            self.deleted.append(found["id"])
            return Response(204)
        return json_response(found)

    def _create_process(self, body: dict[str, Any]) -> Response:
        script = body.get("script") or {}
        if not body.get("name") or not script.get("sourceCode"):
            return self.error_response(400, "name and script.sourceCode are required")
        process = {"id": f"proc-{next(self._ids)}", "name": body["name"], "slug": body["name"],
                   "script": script, "tags": body.get("tags", []),
                   "createdAt": _now()}
        self.processes[process["slug"]] = process
        return json_response(process, 201)

    def _execute(self, key: str) -> Response:
        process = self.processes.get(key) or next(
            (p for p in self.processes.values() if p["id"] == key), None)
        if process is None:
            return self.error_response(404, f"Process {key} not found")
        language = str(process["script"].get("programmingLanguage", "")).lower()
        code = process["script"]["sourceCode"]
        with self._state:
            self.runs.append((language, code))
            execution = self._run(process["id"], language, code)
            self._executions[execution.id] = execution
        return json_response({"executionId": execution.id}, 201)

    # running code ------------------------------------------------------------------------
    def _run(self, process_id: str, language: str, code: str) -> _Execution:
        assert self._folder is not None
        execution_id = f"exec-{next(self._ids)}"
        if language != "python":
            return _Execution(execution_id, process_id, "REJECTED", None,
                              [_log("ERROR", f"{language} is not available in this simulator")])
        result = self._folder.run_script(_PY_HARNESS, code, timeout=self.timeout)
        lines, _, returned = result.stdout.partition(_MARK + "\n")
        logs = [_log("INFO", line) for line in lines.splitlines()]
        if result.exit_code != 0:
            error = result.stderr.strip() or f"exit code {result.exit_code}"
            logs.append(_log("ERROR", error))
            return _Execution(execution_id, process_id, "ERROR", None, logs,
                              error.splitlines()[-1])
        return _Execution(execution_id, process_id, "FINISHED", returned.strip() or None, logs)


def _execution_body(e: _Execution) -> dict[str, Any]:
    events = [{"status": "CREATED", "timestamp": _now()},
              {"status": e.status, "timestamp": _now(), "explanation": e.explanation}]
    return {"id": e.id, "processId": e.process_id, "status": e.status,
            "returnValue": e.return_value, "timeline": {"events": events},
            "parameters": {}, "comment": None}


def _log(level: str, message: str) -> dict[str, str]:
    return {"timestamp": _now(), "level": level, "message": message}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        # standard base64, as the SDK decodes it (b64decode, not the URL-safe variant)
        return base64.b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.simulated"
