"""``code_execution_config``: AG2's code executors, one typed model each.

Every key a YAML file can carry is a typed field (the tests compare them with the installed
executors' signatures), so a wrong type or an unknown key is a located config error, never a
crash. ``executor.type`` takes agentplug's short names or AG2's class names (MassGen's
spelling). Cloud executors name the environment variable their token is read from.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidatorFunctionWrapHandler, field_validator, model_validator
from pydantic_core import PydanticCustomError

from agentplug.core.params import Secret, StrictModel

# AG2's names for its executors (class names, and the factory's strings) -> agentplug's.
EXECUTOR_ALIASES = {
    "LocalCommandLineCodeExecutor": "local", "commandline-local": "local",
    "DockerCommandLineCodeExecutor": "docker", "JupyterCodeExecutor": "jupyter",
    "DaytonaCodeExecutor": "daytona", "YepCodeCodeExecutor": "yepcode",
    "RemyxCodeExecutor": "remyx",
}


class _Executor(StrictModel):
    timeout: int = Field(60, ge=1, description="seconds per code block")


class LocalExecutor(_Executor):
    type: Literal["local"]
    work_dir: str | None = Field(None, description="relative to cwd (default ag2_work/<name>)")
    functions_module: str = "functions"
    execution_policies: dict[str, bool] | None = None
    python: str | None = Field(None, description="interpreter local code runs with "
                                                 "(default: agentplug's own)")


class JupyterServer(StrictModel):
    """``LocalJupyterServer`` arguments (the gateway agentplug starts on 127.0.0.1)."""

    port: int | None = Field(None, ge=1, le=65535)
    token: Secret = None
    log_file: str | None = None
    log_level: str = "INFO"
    log_max_bytes: int = Field(1048576, ge=1)
    log_backup_count: int = Field(3, ge=0)


class JupyterExecutor(_Executor):
    type: Literal["jupyter"]
    kernel_name: str = "python3"
    output_dir: str | None = None
    work_dir: str | None = None
    server: JupyterServer | None = None


class _DockerKeys(StrictModel):
    container_name: str | None = None
    work_dir: str | None = None
    bind_dir: str | None = None
    auto_remove: bool = True
    stop_container: bool = True
    execution_policies: dict[str, bool] | None = None
    container_create_kwargs: dict[str, Any] | None = None
    network_mode: str = Field("none", description="the container's network (default none)")


class DockerExecutor(_Executor, _DockerKeys):
    type: Literal["docker"]
    image: str = Field("python:3-slim", description="a local image: agentplug never pulls")


class DaytonaResources(StrictModel):
    cpu: int | None = Field(None, ge=1)
    memory: int | None = Field(None, ge=1, description="GB")
    disk: int | None = Field(None, ge=1, description="GB")


class DaytonaExecutor(_Executor):
    type: Literal["daytona"]
    api_key: Secret = Field(None, description="default: $DAYTONA_API_KEY")
    api_url: str | None = Field(None, description="default: $DAYTONA_API_URL, else Daytona's")
    target: str | None = Field(None, description="region, e.g. us or eu")
    snapshot: str | None = None
    image: str | None = None
    name: str | None = None
    env_vars: dict[str, str] = Field(default_factory=dict)
    resources: DaytonaResources | None = None

    @model_validator(mode="after")
    def _snapshot_or_image(self) -> DaytonaExecutor:
        if self.snapshot is not None and self.image is not None:
            raise ValueError("give `snapshot` (a Daytona snapshot) or `image` (a Docker image), "
                             "not both")
        if self.resources is not None and self.image is None:
            raise ValueError("`resources` apply to a sandbox built from `image` only")
        return self


class YepCodeExecutor(_Executor):
    type: Literal["yepcode"]
    api_token: Secret = Field(None, description="default: $YEPCODE_API_TOKEN")
    remove_on_done: bool = False
    sync_execution: bool = True


class RemyxExecutor(_Executor, _DockerKeys):
    type: Literal["remyx"]
    timeout: int = Field(300, ge=1, description="seconds per code block")
    arxiv_id: str | None = Field(None, description="paper whose image Remyx names")
    image: str | None = Field(None, description="a local image (instead of arxiv_id)")
    api_key: Secret = Field(None, description="default: $REMYXAI_API_KEY")

    @model_validator(mode="after")
    def _paper_or_image(self) -> RemyxExecutor:
        if self.arxiv_id is None and self.image is None:
            raise ValueError("a remyx executor needs `arxiv_id` (Remyx looks its image up) or "
                             "`image`")
        return self


ExecutorParams = (LocalExecutor | JupyterExecutor | DockerExecutor | DaytonaExecutor
                  | YepCodeExecutor | RemyxExecutor)
EXECUTORS: dict[str, type[StrictModel]] = {
    "local": LocalExecutor, "jupyter": JupyterExecutor, "docker": DockerExecutor,
    "daytona": DaytonaExecutor, "yepcode": YepCodeExecutor, "remyx": RemyxExecutor,
}


class CodeExecutionConfig(StrictModel):
    executor: ExecutorParams
    last_n_messages: int | Literal["auto"] = Field(
        "auto", description="how many recent messages the executor scans for code")

    @model_validator(mode="before")
    @classmethod
    def _legacy_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            legacy = sorted(str(k) for k in data if k in ("use_docker", "work_dir", "timeout"))
            if legacy:
                raise PydanticCustomError(
                    "ag2_legacy", f"{', '.join(legacy)}: AG2's legacy keys belong in executor: "
                    "(e.g. executor: {type: local, work_dir: ..., timeout: ...})")
        return data

    @field_validator("executor", mode="wrap")
    @classmethod
    def _one_executor(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Choose the model by ``type`` (aliases included), then validate with it: errors keep
        plain key paths (``executor.image``), and an odd ``type`` is a message, not a crash."""
        if isinstance(value, StrictModel):
            return handler(value)
        if not isinstance(value, dict):
            raise PydanticCustomError("ag2_executor", "needs a mapping: {type: local | docker | "
                                      "jupyter | daytona | yepcode | remyx, ...}")
        kind = value.get("type")
        if not isinstance(kind, str):
            raise PydanticCustomError(
                "ag2_executor", f"executor.type must be a name such as local, not {kind!r}")
        kind = EXECUTOR_ALIASES.get(kind, kind)
        model = EXECUTORS.get(kind)
        if model is None:
            raise PydanticCustomError(
                "ag2_executor", f"executor.type {value.get('type')!r} is not supported: use "
                f"{', '.join(EXECUTORS)} (or AG2's class names, e.g. "
                "LocalCommandLineCodeExecutor)")
        return model.model_validate({**value, "type": kind})

