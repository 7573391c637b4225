"""A Daytona simulator: the control-plane API and the sandbox toolbox ``daytona`` talks to.

Written from the SDK's source (``daytona/_sync/daytona.py``, ``sandbox.py``, ``process.py``,
``filesystem.py`` and the generated ``daytona_api_client`` / ``daytona_toolbox_api_client``
models, which follow Daytona's published OpenAPI reference):

- ``POST {api}/sandbox`` creates a sandbox; it answers ``state: started`` with a
  ``toolboxProxyUrl`` pointing back at this simulator, so the SDK calls the toolbox here too.
- ``POST {toolbox}/{id}/process/code-run`` runs code, ``POST .../process/execute`` a command,
  ``POST .../files/bulk-upload`` (multipart) writes files, ``DELETE .../files?path=`` removes one.
- ``DELETE {api}/sandbox/{id}`` destroys the sandbox.

Code runs for real in a private folder per sandbox (``SandboxFolder``), so answers carry the
exit code and output the service would give. ``sim.runs`` records (sandbox id, language,
code) for every run; ``sim.sandboxes`` what each sandbox was created with and whether it was
deleted. The SDK's Socket.IO event channel is not offered (it falls back to polling).

    with DaytonaSimulator() as sim:
        DaytonaCodeExecutor(api_key=sim.api_key, api_url=sim.api_url)
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from .sandbox_runner import SandboxFolder
from .server import RecordedRequest, Response, Simulator, json_response

_RUNTIME_LANGUAGE = {"bash": "bash", "sh": "sh", "node": "javascript", "ts-node": "typescript"}


@dataclass
class SimulatedSandbox:
    id: str
    request: dict[str, Any]
    folder: SandboxFolder
    uploads: dict[str, str] = field(default_factory=dict)  # sandbox path -> content
    deleted: bool = False


class DaytonaSimulator(Simulator):
    api_key = "dtn_simulated_key"

    def __init__(self, *, timeout: float = 30.0) -> None:
        super().__init__()
        self.timeout = timeout
        self.sandboxes: dict[str, SimulatedSandbox] = {}
        self.runs: list[tuple[str, str, str]] = []  # (sandbox id, language, code)
        self._ids = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def stop(self) -> None:
        super().stop()
        for box in self.sandboxes.values():
            box.folder.remove()

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"statusCode": status, "message": message,
                              "error": "simulated"}, status)

    def route(self, request: RecordedRequest) -> Response:
        if request.header("authorization") != f"Bearer {self.api_key}":
            return self.error_response(401, "Invalid credentials")
        if request.path.startswith("/api/"):
            return self._control(request, request.path[len("/api/"):])
        if match := re.fullmatch(r"/toolbox/([^/]+)(/.*)", request.path):
            box = self.sandboxes.get(match.group(1))
            if box is None or box.deleted:
                return self.error_response(404, f"Sandbox {match.group(1)} not found")
            return self._toolbox(box, request, match.group(2))
        return self.error_response(404, f"Cannot {request.method} {request.path}")

    # control plane ------------------------------------------------------------------------
    def _control(self, request: RecordedRequest, path: str) -> Response:
        if path == "sandbox" and request.method == "POST":
            return self._create(request.body or {})
        if match := re.fullmatch(r"sandbox/([^/]+)", path):
            box = self.sandboxes.get(match.group(1))
            if box is None or box.deleted:
                return self.error_response(404, f"Sandbox {match.group(1)} not found")
            if request.method == "DELETE":
                box.deleted = True
                box.folder.remove()
                return json_response(self._dto(box, "destroyed"))
            return json_response(self._dto(box, "started"))
        if path == "config":
            return json_response({"analyticsApiUrl": None})
        return self.error_response(404, f"Cannot {request.method} /api/{path}")

    def _create(self, body: dict[str, Any]) -> Response:
        box_id = f"sbx-{next(self._ids)}"
        box = SimulatedSandbox(box_id, body, SandboxFolder(f"agentplug-daytona-{box_id}-"))
        self.sandboxes[box_id] = box
        return json_response(self._dto(box, "started"))

    def _dto(self, box: SimulatedSandbox, state: str) -> dict[str, Any]:
        body = box.request
        return {
            "id": box.id, "organizationId": "org-simulated", "name": body.get("name") or box.id,
            "snapshot": body.get("snapshot"), "user": body.get("user") or "daytona",
            "env": body.get("env") or {}, "labels": body.get("labels") or {},
            "public": bool(body.get("public")), "networkBlockAll": False, "kvm": False,
            "target": body.get("target") or "us", "cpu": body.get("cpu") or 1, "gpu": 0,
            "memory": body.get("memory") or 1, "disk": body.get("disk") or 3, "state": state,
            "autoStopInterval": body.get("autoStopInterval"),
            "toolboxProxyUrl": f"{self.url}/toolbox",
        }

    # toolbox -------------------------------------------------------------------------------
    def _toolbox(self, box: SimulatedSandbox, request: RecordedRequest, path: str) -> Response:
        body = request.body if isinstance(request.body, dict) else {}
        if path == "/process/code-run" and request.method == "POST":
            language = str(body.get("language") or "python")
            self.runs.append((box.id, language, str(body.get("code", ""))))
            out = box.folder.run(language, str(body.get("code", "")),
                                 timeout=float(body.get("timeout") or self.timeout))
            return json_response({"exitCode": out.exit_code, "result": out.output,
                                  "artifacts": {"charts": []}})
        if path == "/process/execute" and request.method == "POST":
            return self._execute(box, str(body.get("command", "")),
                                 float(body.get("timeout") or self.timeout))
        if path == "/files/bulk-upload" and request.method == "POST":
            return self._upload(box, request)
        if path == "/files" and request.method == "DELETE":
            target = (request.query.get("path") or [""])[0]
            if target not in box.uploads:
                return self.error_response(404, f"file {target} not found")
            del box.uploads[target]
            box.folder.path(target).unlink(missing_ok=True)
            return Response(204)
        return self.error_response(404, f"Cannot {request.method} {path}")

    def _execute(self, box: SimulatedSandbox, command: str, timeout: float) -> Response:
        words = shlex.split(command)
        # `<runtime> <uploaded script>` is how the AG2 executor runs non-Python blocks.
        scripts = [w for w in words if w in box.uploads]
        if words and scripts:
            language = _RUNTIME_LANGUAGE.get(words[0], words[0])
            self.runs.append((box.id, language, box.uploads[scripts[0]]))
            words = [str(box.folder.path(w)) if w in box.uploads else w for w in words]
        else:
            self.runs.append((box.id, "command", command))
        out = box.folder.shell(shlex.join(words), timeout=timeout)
        return json_response({"exitCode": out.exit_code, "result": out.output})

    def _upload(self, box: SimulatedSandbox, request: RecordedRequest) -> Response:
        content_type = request.header("content-type") or ""
        raw = request.body if isinstance(request.body, str) else ""
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw.encode())
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = part.get_content()
        written = []
        for key, value in fields.items():
            if match := re.fullmatch(r"files\[(\d+)\]\.path", key):
                content = fields.get(f"files[{match.group(1)}].file", b"")
                text = content.decode() if isinstance(content, bytes) else str(content)
                target = box.folder.path(str(value))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                box.uploads[str(value)] = text
                written.append({"path": str(value)})
        return json_response({"files": written, "errors": []})
