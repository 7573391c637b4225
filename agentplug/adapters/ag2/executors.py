"""AG2's code executors, started and stopped by agentplug, their runs reported as events.

``open_executor`` is synchronous and slow (a kernel gateway or a container starts): call it
in a worker thread. Every executor is wrapped in ``ObservedExecutor`` so each batch of code
blocks AG2 runs is streamed as ``BuiltinToolEvent(tool="code_execution")`` (started, then
completed or failed with the output and exit code).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ...core.errors import BackendError, MissingKeyError, UsageError
from ...core.events import BuiltinToolEvent
from ...core.redact import register
from ...core.requirements import require
from ._bridge import EventSink, discard

DEFAULT_DOCKER_IMAGE = "python:3-slim"  # AG2's default; agentplug never pulls it
# The environment variable each cloud executor's SDK reads its token from.
TOKEN_ENV = {"daytona": "DAYTONA_API_KEY", "yepcode": "YEPCODE_API_TOKEN",
             "remyx": "REMYXAI_API_KEY"}
_CLOUD = ("daytona", "yepcode")
_ids = itertools.count(1)


class ExecutorUnavailableError(BackendError):
    """The code executor cannot start (no Docker engine, no kernel gateway, no image, a cloud
    service that refused)."""


class ExecutorKeyError(MissingKeyError):
    """A cloud executor has no token; names the environment variable its SDK reads."""

    def __init__(self, kind: str, env_var: str, key: str) -> None:
        self.backend, self.env_vars = "ag2", (env_var,)
        UsageError.__init__(self, f"the {kind} code executor has no token: set {env_var} in "
                                  f"the environment (or a .env file), or put `{key}:` under "
                                  "code_execution_config.executor")


@dataclass
class ExecutorHandle:
    """A started executor and what must be stopped with it."""

    kind: str
    executor: Any
    work_dir: Path
    stoppers: list[Any] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)  # processes agentplug started (tests check)
    container_id: str | None = None

    def close(self) -> None:
        errors = []
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest: nothing may outlive the agent
                errors.append(exc)
        self.stoppers.clear()
        if errors:
            raise errors[0]


class ObservedExecutor:
    """An AG2 ``CodeExecutor`` that reports each batch of code blocks it runs."""

    def __init__(self, inner: Any, kind: str, sink: EventSink = discard) -> None:
        self.inner, self.kind, self.sink = inner, kind, sink

    @property
    def code_extractor(self) -> Any:
        return self.inner.code_extractor

    def execute_code_blocks(self, code_blocks: list[Any]) -> Any:
        call_id = f"ag2_exec_{next(_ids)}"
        blocks = [{"language": b.language, "code": b.code} for b in code_blocks]
        code = "\n\n".join(b.code for b in code_blocks)
        self.sink(BuiltinToolEvent("code_execution", "started", call_id=call_id, name=self.kind,
                                   code=code, data={"blocks": blocks}))
        try:
            result = self.inner.execute_code_blocks(code_blocks)
        except Exception as exc:
            self.sink(BuiltinToolEvent("code_execution", "failed", call_id=call_id,
                                       name=self.kind, code=code, stderr=str(exc)))
            raise
        files = [str(f) for f in getattr(result, "output_files", None) or ()]
        self.sink(BuiltinToolEvent(
            "code_execution", "completed" if result.exit_code == 0 else "failed",
            call_id=call_id, name=self.kind, code=code, stdout=result.output,
            return_code=result.exit_code, data={"output_files": files} if files else {}))
        return result

    def restart(self) -> None:
        self.inner.restart()


def open_executor(config: Any, *, cwd: Path, name: str,
                  sink: EventSink = discard) -> ExecutorHandle:
    """Start the executor described by ``code_execution_config.executor`` (a typed executor
    model from the ag2 plugin's params, or a plain dict of the same keys)."""
    kwargs = _kwargs(config)
    kind = kwargs.pop("type")
    opener = _OPENERS[kind]
    if kind in _CLOUD:
        handle = opener(kwargs, None)
    else:
        work_dir = Path(kwargs.pop("work_dir", None) or f"ag2_work/{name}")
        work_dir = (work_dir if work_dir.is_absolute() else cwd / work_dir).resolve()
        work_dir.mkdir(parents=True, exist_ok=True)
        handle = opener(kwargs, work_dir)
    handle.executor = ObservedExecutor(handle.executor, kind, sink)
    return handle


def _kwargs(config: Any) -> dict[str, Any]:
    """Settings as keyword arguments: unset ones left out (AG2's defaults apply), keys in the
    clear (and registered for redaction)."""
    from pydantic import BaseModel, SecretStr

    items = config.model_dump() if isinstance(config, BaseModel) else dict(config)
    if isinstance(config, BaseModel):  # model_dump hides secrets: read them from the model
        for key in items:
            value = getattr(config, key)
            if isinstance(value, SecretStr):
                items[key] = value.get_secret_value()
                register(items[key])
    return {k: ({i: j for i, j in v.items() if j is not None} if isinstance(v, dict) else v)
            for k, v in items.items() if v is not None}


def _token(kwargs: dict[str, Any], key: str, kind: str) -> str:
    """The cloud executor's token: from the config, else its SDK's environment variable."""
    env_var = TOKEN_ENV[kind]
    token = kwargs.pop(key, None) or os.environ.get(env_var)
    if not token:
        raise ExecutorKeyError(kind, env_var, key)
    register(token)
    return str(token)


def _local(kwargs: dict[str, Any], work_dir: Path) -> ExecutorHandle:
    from autogen.coding import LocalCommandLineCodeExecutor

    # AG2 runs `python` from PATH: put agentplug's own interpreter first.
    python = kwargs.pop("python", None) or sys.executable
    env = SimpleNamespace(bin_path=str(Path(python).parent), env_exe=python)
    executor = LocalCommandLineCodeExecutor(work_dir=work_dir, virtual_env_context=env, **kwargs)
    return ExecutorHandle("local", executor, work_dir)


def _jupyter(kwargs: dict[str, Any], work_dir: Path) -> ExecutorHandle:
    _venv_on_path()
    from autogen.coding.jupyter import JupyterCodeExecutor, LocalJupyterServer

    server_kwargs = dict(kwargs.pop("server", None) or {})
    server_kwargs.setdefault("log_file", str(work_dir / "jupyter_gateway.log"))
    try:
        server = LocalJupyterServer(ip="127.0.0.1", **server_kwargs)
    except Exception as exc:
        raise ExecutorUnavailableError(
            f"the jupyter executor could not start a Jupyter kernel gateway: {exc} "
            "(install it with pip install 'agentplug[jupyter]')") from exc
    handle = ExecutorHandle("jupyter", None, work_dir, pids=[server._subprocess.pid])
    handle.stoppers.append(lambda: _stop_gateway(server._subprocess))
    # AG2 reads the gateway's stderr only until it is up: keep draining it, or a full pipe
    # would stall the gateway.
    threading.Thread(target=_drain, args=(server._subprocess.stderr,), daemon=True).start()
    try:
        kwargs.setdefault("output_dir", work_dir)
        executor = JupyterCodeExecutor(server, **kwargs)
    except BaseException:
        handle.close()
        raise
    handle.executor = executor
    handle.stoppers.append(executor.stop)  # stops first: deletes the kernel
    return handle


def _venv_on_path() -> None:
    """AG2 checks ``jupyter kernelgateway`` on PATH when its jupyter module is imported."""
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("jupyter") is None and (Path(bin_dir) / "jupyter").exists():
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _drain(stream: Any) -> None:
    try:
        for _ in iter(stream.readline, ""):
            pass
    except (OSError, ValueError):
        pass


def _stop_gateway(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # the gateway shuts its kernels down on SIGINT
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _engine(image: str) -> None:
    """A reachable Docker engine that has ``image`` (agentplug never pulls images)."""
    import docker

    where = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as exc:
        raise ExecutorUnavailableError(
            f"the docker executor needs a Docker engine, and none is reachable at {where} "
            f"({type(exc).__name__}). Start one (scripts/docker-engine.sh start prints the "
            "DOCKER_HOST to export) or use executor type local or jupyter.") from exc
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        raise ExecutorUnavailableError(
            f"the docker executor's image {image!r} is not on the engine at {where}, and "
            "agentplug never pulls images: build or load it first, or set `image:` to a "
            "local image (docker images lists them)") from None
    finally:
        client.close()


def _docker(kwargs: dict[str, Any], work_dir: Path) -> ExecutorHandle:
    from autogen.coding import DockerCommandLineCodeExecutor

    image = kwargs.setdefault("image", DEFAULT_DOCKER_IMAGE)
    _engine(image)
    return _container("docker", DockerCommandLineCodeExecutor, kwargs, work_dir, image)


def _container(kind: str, cls: Any, kwargs: dict[str, Any], work_dir: Path, image: str
               ) -> ExecutorHandle:
    import docker

    network = kwargs.pop("network_mode", "none")
    create = {"network_mode": network, "stop_signal": "SIGKILL",
              **(kwargs.pop("container_create_kwargs", None) or {})}
    try:
        executor = cls(work_dir=work_dir, container_create_kwargs=create, **kwargs)
    except Exception as exc:
        raise ExecutorUnavailableError(f"the {kind} executor could not start a container from "
                                       f"{image!r}: {exc}") from exc
    container = executor._container
    handle = ExecutorHandle(kind, executor, work_dir, container_id=container.id)
    removed = kwargs.get("auto_remove", True)

    def stop() -> None:
        executor.stop()
        # The engine removes an auto-removed container after it stops, asynchronously:
        # wait, so nothing is left once the agent is closed.
        with contextlib.suppress(docker.errors.NotFound):
            container.wait(condition="removed" if removed else "not-running", timeout=30)
    handle.stoppers.append(stop)
    return handle


def _remyx(kwargs: dict[str, Any], work_dir: Path) -> ExecutorHandle:
    """Remyx: AG2's Docker executor on the image Remyx names for a paper (looked up with the
    ``remyxai`` SDK, whose API URL is ``$REMYXAI_API_URL`` read when it is first imported)."""
    require("remyxai", "remyx")
    from autogen.coding import RemyxCodeExecutor

    kwargs["api_key"] = _token(kwargs, "api_key", "remyx")
    image = kwargs.get("image")
    if image is None:
        from remyxai.api.search import get_asset

        try:
            asset = get_asset(kwargs["arxiv_id"], api_key=kwargs["api_key"])
        except Exception as exc:
            raise ExecutorUnavailableError(f"Remyx could not look up paper "
                                           f"{kwargs['arxiv_id']!r}: {exc}") from exc
        if asset is None or not asset.has_docker:
            raise ExecutorUnavailableError(f"Remyx has no Docker image for paper "
                                           f"{kwargs['arxiv_id']!r}")
        image = asset.docker_image
    _engine(image)
    return _container("remyx", RemyxCodeExecutor, kwargs, work_dir, image)


def _daytona(kwargs: dict[str, Any], work_dir: Path | None) -> ExecutorHandle:
    """A Daytona sandbox, created now and deleted when the agent closes."""
    require("daytona", "daytona")
    from autogen.coding import DaytonaCodeExecutor, DaytonaSandboxResources

    if not os.environ.get("DAYTONA_JWT_TOKEN"):  # the SDK's other credential
        kwargs["api_key"] = _token(kwargs, "api_key", "daytona")
    if "resources" in kwargs:
        kwargs["resources"] = DaytonaSandboxResources(**kwargs["resources"])
    try:
        executor = DaytonaCodeExecutor(**kwargs)
    except RuntimeError as exc:
        raise ExecutorUnavailableError(f"the daytona executor could not create a sandbox: "
                                       f"{exc}") from exc
    handle = ExecutorHandle("daytona", executor, Path("."))
    handle.stoppers.append(executor.delete)
    return handle


def _yepcode(kwargs: dict[str, Any], work_dir: Path | None) -> ExecutorHandle:
    """YepCode's serverless runtime: nothing runs here, nothing to stop."""
    require("yepcode_run", "yepcode")
    from autogen.coding import YepCodeCodeExecutor

    kwargs["api_token"] = _token(kwargs, "api_token", "yepcode")
    try:
        executor = YepCodeCodeExecutor(**kwargs)
    except (RuntimeError, ValueError) as exc:
        raise ExecutorUnavailableError(f"the yepcode executor could not start: {exc}") from exc
    return ExecutorHandle("yepcode", executor, Path("."))


_OPENERS: dict[str, Any] = {"local": _local, "jupyter": _jupyter, "docker": _docker,
                            "remyx": _remyx, "daytona": _daytona, "yepcode": _yepcode}
