"""The ``fallback`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any

from pydantic import (
    Field,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from agentplug.core.errors import UnknownBackendError
from agentplug.core.params import BackendParams
from agentplug.core.registry import TOOL_FLAGS

# Keys that belong to one provider: on the chain itself they would be ambiguous.
_MEMBER_ONLY = ("model", "api_key", "base_url", "temperature", "max_tokens", "max_retries",
                "timeout")


class FallbackParams(BackendParams):
    backends: list[SerializeAsAny[BackendParams]] = Field(
        min_length=1, description="the chain, in order: backend mappings as each is written "
                                  "alone ({type: ..., model: ...})")
    cooldown: float = Field(30.0, gt=0, description="seconds a failed backend is skipped by "
                                                    "every agent in the process")
    failure_threshold: int = Field(1, ge=1, description="consecutive retryable failures that "
                                                        "take a backend out")
    first_token_timeout: float | None = Field(
        None, gt=0, description="seconds to wait for a member's first streamed event before "
                                "moving on (default: the member's own timeout)")

    @field_validator("backends", mode="before")
    @classmethod
    def _members(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list):
            return value  # pydantic reports the type error
        registry = (info.context or {}).get("registry") or _default_registry()
        errors: list[InitErrorDetails] = []
        members = [_member(registry, i, raw, errors) for i, raw in enumerate(value)]
        if errors:
            raise ValidationError.from_exception_data("FallbackParams", errors)
        return members

    @model_validator(mode="after")
    def _no_member_keys_on_chain(self) -> FallbackParams:
        errors = [InitErrorDetails(type=PydanticCustomError(
                      "fallback_key", "belongs on each member of `backends:`, not on the chain"),
                      loc=(key,), input=getattr(self, key))
                  for key in _MEMBER_ONLY
                  if key in self.model_fields_set and getattr(self, key) is not None]
        if errors:
            raise ValidationError.from_exception_data("FallbackParams", errors)
        return self


def _default_registry() -> Any:
    from agentplug.core.host import default_host

    return default_host().registry


def _member(registry: Any, i: int, raw: Any, errors: list[InitErrorDetails]) -> Any:
    """One member validated by its own backend's params model; problems go to ``errors``
    located under ``backends[i]``."""
    def fail(loc: tuple[Any, ...], message: str) -> None:
        errors.append(InitErrorDetails(type=PydanticCustomError("fallback_member", message),
                                       loc=(i, *loc), input=raw))

    if not isinstance(raw, dict) or "type" not in raw:
        fail((), "each member is a backend mapping with `type` (e.g. {type: openai, model: ...})")
        return raw
    try:
        spec = registry.get(str(raw["type"]))
    except UnknownBackendError as exc:
        fail(("type",), str(exc))
        return raw
    if spec.type == "fallback" or spec.supports("stateful"):
        fail(("type",), f"a {spec.type!r} backend cannot be a member of a fallback chain "
                        "(members must be stateless model backends)")
        return raw
    if raw.get("mcp_servers"):
        fail(("mcp_servers",), "put mcp_servers on the fallback backend itself: every member "
                               "of the chain shares them")
        return raw
    try:
        params = spec.params_model().model_validate(raw)
    except ValidationError as exc:
        fields = sorted(spec.params_model().model_fields)
        for err in exc.errors():
            if err["type"] == "extra_forbidden":
                close = get_close_matches(str(err["loc"][-1]), fields, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                fail(tuple(err["loc"]), f"unknown key for backend {spec.type!r}{hint}")
            else:
                fail(tuple(err["loc"]), err["msg"])
        return raw
    for flag in TOOL_FLAGS:
        support = spec.flag(flag)
        if getattr(params, flag) and support.support not in ("yes", "varies"):
            fail((flag,), f"not supported by the {spec.type!r} backend: "
                          f"{support.reason or 'this backend has no such built-in tool'}")
    if "max_retries" not in raw:
        # The chain's failover replaces the SDK's own retries, which would sit in front of it
        # for seconds (a minute with a long Retry-After).
        params = params.model_copy(update={"max_retries": 0})
    return params
