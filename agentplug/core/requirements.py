"""What a backend needs before it can run: its optional SDK and its API key."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from .errors import MissingExtraError, MissingKeyError
from .params import BackendParams
from .redact import register


def require(module: str, extra: str) -> ModuleType:
    """Import an optional SDK, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name and not module.startswith(exc.name.split(".")[0]):
            raise  # the SDK is there but one of its own imports broke: show that
        raise MissingExtraError(module.split(".")[0], extra) from exc


def resolve_api_key(params: BackendParams, env_vars: tuple[str, ...] | list[str],
                    backend: str, *, required: bool = True) -> str | None:
    """The key from the config, else the first env var set; MissingKeyError if required.

    The one place a backend reads its key in the clear: it is registered for redaction, so
    a provider quoting it back in an error body never shows it to the user.
    """
    if params.api_key:
        key = params.api_key.get_secret_value()
        register(key)
        return key
    for name in env_vars:
        if os.environ.get(name):
            register(os.environ[name])
            return os.environ[name]
    if required:
        raise MissingKeyError(backend, env_vars)
    return None
