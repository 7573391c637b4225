"""The result file is the batch's journal: one JSON line per finished task, appended.

Exactly once per id: a line is written with a single ``write`` on a file opened with
``O_APPEND``, so it reaches the kernel whole or not at all; the kernel keeps it if the
process is killed (``kill -9``) the instant after. Only a machine crash mid-write can leave a
partial last line, and opening the journal cuts such a tail off, so that task runs again.
Ids already in the file are skipped by a rerun.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError, ConfigIssue


class Journal:
    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self.done: set[str] = set()
        self.repaired_bytes = 0
        self._fd: int | None = None

    def open(self) -> Journal:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self._load()
        return self

    def _load(self) -> None:
        assert self._fd is not None
        good_end = 0
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.endswith(b"\n"):
                    break  # a torn tail: the task it belonged to runs again
                good_end += len(raw)
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                    task_id = str(record["id"])
                except (ValueError, KeyError, TypeError):
                    raise ConfigError(ConfigIssue(
                        "", "not a result line of agentplug batch", str(self.path), n,
                        "give -o a new file, or the results file of the same batch")) from None
                self.done.add(task_id)
        size = os.fstat(self._fd).st_size
        if size > good_end:
            self.repaired_bytes = size - good_end
            os.ftruncate(self._fd, good_end)

    def write(self, record: dict[str, Any]) -> None:
        """Append one result; an id is written at most once per journal."""
        assert self._fd is not None, "journal not open"
        task_id = str(record["id"])
        if task_id in self.done:
            raise RuntimeError(f"task {task_id!r} already has a result")
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        data = line.encode()
        written = os.write(self._fd, data)
        while written < len(data):  # regular files write whole; a full disk may not
            written += os.write(self._fd, data[written:])
        if self.fsync:
            os.fsync(self._fd)
        self.done.add(task_id)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
