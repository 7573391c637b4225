"""The ``lms`` CLI of LM Studio, driven with asyncio subprocesses.

Where ``lms`` lives: on PATH, else in LM Studio's own bin folder (``~/.lmstudio/bin``, or
``~/.cache/lm-studio/bin`` for older versions), in which case ``lms bootstrap`` is run once
so that it lands on PATH for the user's shells too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from agentplug.core.errors import BackendError, ProviderTimeoutError, UsageError

log = logging.getLogger(__name__)
INSTALL_HELP = (
    "LM Studio is not installed (no `lms` on PATH, none in ~/.lmstudio/bin or "
    "~/.cache/lm-studio/bin). Install it: download LM Studio from https://lmstudio.ai/download, "
    "start it once, then run `~/.lmstudio/bin/lms bootstrap` to put `lms` on PATH. Or start "
    "any LM Studio server yourself and set `manage_server: false` (and `base_url`).")


class LMStudioMissingError(UsageError):
    def __init__(self) -> None:
        super().__init__(INSTALL_HELP)


def app_bin_candidates() -> list[Path]:
    home = Path.home()
    return [home / ".lmstudio" / "bin" / "lms", home / ".cache" / "lm-studio" / "bin" / "lms"]


def locate(explicit: str | None) -> tuple[str, bool]:
    """The lms executable, and whether it still needs ``lms bootstrap``."""
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise UsageError(f"lms_path {explicit!r} is not an executable file")
        return found, False
    if found := shutil.which("lms"):
        return found, False
    for candidate in app_bin_candidates():
        if candidate.is_file() and shutil.which(str(candidate)):
            return str(candidate), True
    raise LMStudioMissingError()


class Lms:
    def __init__(self, executable: str, timeout: float) -> None:
        self.executable, self.timeout = executable, timeout

    async def run(self, *args: str, timeout: float | None = None) -> str:
        command = " ".join(("lms", *args))
        proc = await asyncio.create_subprocess_exec(
            self.executable, *args, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout or self.timeout)
        except TimeoutError:
            await _reap(proc)
            raise ProviderTimeoutError(
                f"`{command}` took longer than {timeout or self.timeout:g} s") from None
        except asyncio.CancelledError:
            await _reap(proc)
            raise
        if proc.returncode != 0:
            detail = (err or out).decode(errors="replace").strip()
            raise BackendError(f"`{command}` failed (exit {proc.returncode}): {detail}")
        log.debug("%s -> %s", command, out[:200])
        return out.decode(errors="replace")

    async def json(self, *args: str) -> Any:
        text = await self.run(*args)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise BackendError(f"`lms {' '.join(args)}` printed no JSON: {text[:200]!r}"
                               ) from exc

    async def server_status(self) -> tuple[bool, int | None]:
        text = await self.run("server", "status", "--json")
        try:
            data = json.loads(text)
            port = data.get("port")
            return bool(data.get("running")), int(port) if port else None
        except (ValueError, AttributeError):
            # Older lms versions answer in prose: "The server is running on port 1234."
            match = re.search(r"port\s+(\d+)", text)
            running = "not running" not in text.lower() and "running" in text.lower()
            return running, int(match.group(1)) if match else None


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Never leave an lms child behind (a stuck download, a cancelled open)."""
    if proc.returncode is None:
        proc.kill()
    await proc.wait()


def model_names(entry: dict[str, Any]) -> set[str]:
    return {str(entry[k]) for k in ("modelKey", "identifier", "path", "indexedModelIdentifier")
            if entry.get(k)}


class Lifecycle:
    """Brings the server and model up; remembers what it started so close undoes only that."""

    def __init__(self, lms: Lms, download_timeout: float) -> None:
        self.lms, self.download_timeout = lms, download_timeout
        self.started_server = False
        self.loaded: str | None = None

    async def up(self, model: str) -> int | None:
        running, port = await self.lms.server_status()
        if not running:
            await self.lms.run("server", "start")
            self.started_server = True
            running, port = await self.lms.server_status()
            if not running:
                raise BackendError("`lms server start` returned but the server is not running")
        downloaded = await self.lms.json("ls", "--json")
        if not any(model in model_names(m) for m in downloaded):
            log.info("lmstudio: downloading %s", model)
            await self.lms.run("get", model, "--yes", timeout=self.download_timeout)
        loaded = await self.lms.json("ps", "--json")
        if not any(model in model_names(m) for m in loaded):
            await self.lms.run("load", model, "--yes", "--identifier", model)
            self.loaded = model
        return port

    async def down(self) -> None:
        loaded, self.loaded = self.loaded, None
        started, self.started_server = self.started_server, False
        # Each step is tried even if the one before failed: a stuck unload must not leave
        # the server we started running.
        steps = ([("unload", loaded)] if loaded else []) + ([("server", "stop")] if started else [])
        for step in steps:
            try:
                await self.lms.run(*step)
            except BackendError as exc:
                log.warning("lmstudio: cleanup step failed: %s", exc)


async def bootstrap(lms: Lms) -> None:
    """``lms bootstrap``: LM Studio's own step that adds its bin folder to PATH."""
    log.info("lmstudio: running `%s bootstrap` to put lms on PATH", lms.executable)
    await lms.run("bootstrap")
