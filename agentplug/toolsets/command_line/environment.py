"""The environment a command runs in, as MassGen's ``command_execution_prefix`` and
``command_execution_venv_path`` describe it.

The prefix comes first: with one set, the command is ``<prefix> <command>`` and the
environment is left alone (``uv run`` / ``conda run`` choose the interpreter themselves).
Otherwise a virtualenv leads ``PATH`` and is ``VIRTUAL_ENV``: the configured one, or else a
``.venv`` in the command's directory (MassGen's auto-detection; local mode only, since a
venv made on the host points at the host's interpreter).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def prefixed(command: str, prefix: str | None) -> str:
    """``command`` as it runs: MassGen joins the two with a space, so a shell list after the
    first command (``a && b``) runs ``b`` outside the wrapper, as it does there."""
    return f"{prefix} {command}" if prefix else command


def detected_venv(work_dir: str) -> str | None:
    """A ``.venv`` in ``work_dir`` that has a ``bin/``."""
    venv = Path(work_dir) / ".venv"
    return str(venv) if (venv / "bin").is_dir() else None


def with_venv(env: Mapping[str, str], venv: str | None) -> dict[str, str]:
    """``env`` with ``venv``'s ``bin/`` first on ``PATH`` and ``VIRTUAL_ENV`` set (and no
    ``PYTHONHOME``, which would point its interpreter at another prefix)."""
    out = dict(env)
    if venv is None:
        return out
    out["PATH"] = f"{venv}/bin{os.pathsep}{out.get('PATH') or DEFAULT_PATH}"
    out["VIRTUAL_ENV"] = venv
    out.pop("PYTHONHOME", None)
    return out
