"""The stdio transport: an MCP server as a child process, newline-delimited JSON-RPC on its
stdin and stdout, read so that a result of any size leaves the event loop free.

The SDK's own (``mcp.client.stdio``) joins each 64 KiB read onto the line read so far and
splits the whole again: a result of N bytes costs O(N²) on the event loop. A 16 MB result took
14.6 s of loop time, in 211 steps of up to 0.2 s, during which every other agent on the loop
stood still. Here a line's pieces are kept apart until its newline arrives, and a long line is
parsed in a worker thread (pydantic lets other threads run while it parses).

The process handling is the SDK's policy: the server in a session (process group) of its own,
and on shutdown its stdin closed, a grace period, then SIGTERM and SIGKILL to the whole group,
every wait bounded and shielded from the caller's cancellation, so no server outlives the
transport.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

PARSE_IN_THREAD = 256 * 1024  # bytes: a longer line is parsed off the event loop
EXIT_GRACE = 2.0  # seconds for the server to exit once its stdin closes; then for SIGTERM
WRITER_FLUSH = 0.5  # seconds for messages already accepted to be written before stdin closes
_POLL = 0.01


@asynccontextmanager
async def stdio_transport(command: str, args: list[str], *, env: dict[str, str],
                          cwd: str | None, stderr: IO[bytes] | None
                          ) -> AsyncIterator[tuple[Any, Any]]:
    """Start the server; yield the (read, write) streams a ``ClientSession`` takes."""
    import anyio
    from mcp.client.stdio import get_default_environment
    from mcp.shared.message import SessionMessage

    process = await anyio.open_process([command, *args], env=get_default_environment() | env,
                                       stderr=stderr, cwd=cwd, start_new_session=True)
    # No await between the spawn and the task group: a cancellation there would leak it.
    read_in, read_out = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_in, write_out = anyio.create_memory_object_stream[SessionMessage](0)
    writer_done = anyio.Event()

    async def read() -> None:
        assert process.stdout is not None
        try:
            async with read_in, contextlib.aclosing(_lines(process.stdout)) as lines:
                async for line in lines:
                    await read_in.send(await _parsed(line))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, ConnectionError):
            pass  # our shutdown, or the session gone
        # A server blocked writing to a full pipe could not exit: read on until it closes.
        with anyio.CancelScope(shield=True), contextlib.suppress(
                anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError,
                OSError):
            while True:
                await process.stdout.receive()

    async def write() -> None:
        assert process.stdin is not None
        try:
            async with write_out:
                async for message in write_out:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await process.stdin.send((data + "\n").encode())
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await read_in.aclose()  # the session sees the connection end, not a hung call
        finally:
            writer_done.set()

    async def shutdown() -> None:
        read_out.close()
        write_in.close()
        with anyio.move_on_after(WRITER_FLUSH):
            await writer_done.wait()
        await _stop(process)
        for stream in (read_in, read_out, write_in, write_out):
            await stream.aclose()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        tasks.start_soon(write)
        try:
            yield read_out, write_in
        finally:
            with anyio.CancelScope(shield=True):
                await shutdown()
            tasks.cancel_scope.cancel()


async def _lines(stdout: Any) -> AsyncGenerator[bytes, None]:
    """Each newline-terminated line: a read's bytes are searched once, whatever the length."""
    pieces: list[bytes] = []
    async for chunk in stdout:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            pieces.append(chunk[start:end])
            yield b"".join(pieces)
            pieces.clear()
            start = end + 1
        if start < len(chunk):
            pieces.append(chunk[start:])


async def _parsed(line: bytes) -> Any:
    """A JSON-RPC message, or the parse error as a value (the session reports it), as the
    SDK's transport gives them."""
    import anyio
    import mcp_types as types
    from mcp.shared.message import SessionMessage

    def parse() -> Any:
        try:
            return SessionMessage(types.jsonrpc_message_adapter.validate_json(line,
                                                                              by_name=False))
        except ValueError as exc:
            return exc

    if len(line) > PARSE_IN_THREAD:
        return await anyio.to_thread.run_sync(parse)
    return parse()


async def _stop(process: Any) -> None:
    """stdin closed, a grace period, then SIGTERM and SIGKILL to the server's group."""
    import anyio
    from mcp.os.posix.utilities import terminate_posix_process_tree

    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await process.stdin.aclose()
    if not await _exited(process, EXIT_GRACE):
        await terminate_posix_process_tree(process, EXIT_GRACE)
        await _exited(process, EXIT_GRACE)
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await process.stdout.aclose()
    with anyio.move_on_after(EXIT_GRACE):  # reaped, its pipes' transport closed
        await process.aclose()


async def _exited(process: Any, timeout: float) -> bool:
    """Whether the process exited within ``timeout`` (polled: on 3.11 ``wait()`` also waits
    for its pipes, which a child that inherited them keeps open)."""
    import anyio

    with anyio.move_on_after(timeout):
        while process.returncode is None:
            await anyio.sleep(_POLL)
    return process.returncode is not None
