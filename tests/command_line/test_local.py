"""Local mode with real processes: refused commands never run, timeouts and cancellation kill
the whole tree (also children that left the process group), big output is capped, provider
keys stay out of the environment, background shells start, report and die."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from agentplug.toolsets.command_line.server import CommandLine, ToolFailure
from agentplug.toolsets.command_line.settings import CommandLineSettings
from agentplug.toolsets.command_line.shells import ShellError

from cl_support import tagged_processes


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def tools(tmp_path, opened):
    async def make(**settings) -> CommandLine:
        return await opened(CommandLineSettings(cwd=str(tmp_path), **settings))
    return make


async def test_python_and_shell_commands_return_their_real_output(tools, tmp_path):
    cl = await tools()
    result = await cl.execute("python3 -c 'print(6 * 7)' && echo oops >&2 && pwd")
    assert result["success"] and result["exit_code"] == 0
    assert result["stdout"] == f"42\n{tmp_path}\n" and result["stderr"] == "oops\n"
    failed = await cl.execute("exit 3")
    assert failed["success"] is False and failed["exit_code"] == 3
    (tmp_path / "sub").mkdir()
    assert (await cl.execute("pwd", work_dir="sub"))["stdout"].strip() == str(tmp_path / "sub")


async def test_a_blocked_command_never_runs(tools, tmp_path):
    marker = tmp_path / "marker"
    cl = await tools(blocked_commands=("touch .*",), allowed_commands=("echo .*", "touch .*"))
    with pytest.raises(ToolFailure, match="blocked_commands pattern 'touch .*'"):
        await cl.execute(f"echo start && touch {marker}")
    with pytest.raises(ToolFailure, match="matches no command_line_allowed_commands"):
        await cl.execute(f"echo start; python3 -c 'open(\"{marker}\", \"w\")'")
    with pytest.raises(ToolFailure, match="built-in rule 'sudo'"):
        await cl.start_background(f"sudo touch {marker}")
    assert not marker.exists()
    assert (await cl.execute("echo allowed"))["stdout"] == "allowed\n"


async def test_a_timeout_kills_the_whole_process_tree(tools, tmp_path):
    cl = await tools()
    pids = tmp_path / "pids"
    # a child in the group, one that left it with setsid, and the shell itself waiting
    command = (f"sleep 300 & echo $! >> {pids}; setsid sleep 301 & echo $! >> {pids}; "
               "echo started; sleep 302")
    started = time.monotonic()
    with pytest.raises(ToolFailure) as info:
        await cl.execute(command, timeout=1)
    assert time.monotonic() - started < 10
    text = str(info.value)
    assert "timed out after 1 s" in text and "every process it started were killed" in text
    assert "started" in text  # the output so far comes with the error
    children = [int(p) for p in pids.read_text().split()]
    assert len(children) == 2
    assert not any(alive(p) for p in children), "a child outlived the timeout"
    assert tagged_processes() == []


async def test_cancelling_the_call_kills_the_tree(tools, tmp_path):
    cl = await tools()
    pids = tmp_path / "pids"
    task = asyncio.create_task(cl.execute(f"sleep 300 & echo $! > {pids}; wait"))
    for _ in range(100):
        if pids.exists() and pids.read_text().strip():
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(int(pids.read_text()))


async def test_ten_megabytes_of_output_are_capped_head_and_tail(tools):
    cl = await tools(max_output_bytes=20_000)
    result = await cl.execute(
        "python3 -c \"import sys; sys.stdout.write('head' + 'x' * 10_000_000 + 'tail')\"")
    out = result["stdout"]
    assert result["exit_code"] == 0 and len(out) < 21_000
    assert out.startswith("headxxx") and out.endswith("xxxtail")
    assert "[... 9,980,008 of 10,000,008 bytes cut" in out


async def test_provider_keys_are_not_in_the_environment(tools, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-openai")
    monkeypatch.setenv("GEMINI_API_KEY", "canary-gemini")
    monkeypatch.setenv("CEREBRAS_API_KEY", "canary-preset")  # a chatcompletion preset's key
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    cl = await tools()
    result = await cl.execute("env")
    assert "canary" not in result["stdout"]
    assert "HARMLESS_SETTING=kept" in result["stdout"]
    assert {"OPENAI_API_KEY", "GEMINI_API_KEY", "CEREBRAS_API_KEY"} <= set(cl.runner.dropped)


async def test_background_shells_start_report_and_die_with_their_tree(tools, tmp_path):
    cl = await tools(max_background=2)
    quick = await cl.start_background("for i in 1 2 3; do echo line $i; done; echo err >&2")
    assert quick["status"] == "running" and quick["shell_id"].startswith("shell_")
    pids = tmp_path / "pids"
    server = await cl.start_background(f"sleep 300 & echo $! > {pids}; echo serving; wait")
    for _ in range(100):
        if cl.shells.get(quick["shell_id"]).status != "running" and pids.exists():
            break
        await asyncio.sleep(0.05)
    blocker = await cl.start_background("sleep 60")
    with pytest.raises(ToolFailure, match="2 background shells are already running"):
        await cl.start_background("sleep 1")
    assert (await cl.shells.kill(blocker["shell_id"]))["status"] == "killed"
    out = cl.shells.output(quick["shell_id"])
    assert out["status"] == "stopped" and out["exit_code"] == 0
    assert out["stdout"] == "line 1\nline 2\nline 3" and out["stderr"] == "err"
    assert cl.shells.get(server["shell_id"]).status == "running"
    killed = await cl.shells.kill(server["shell_id"])
    assert killed["status"] == "killed"
    assert not alive(int(pids.read_text()))
    listed = {s.id: s.status for s in cl.shells.shells.values()}
    assert listed == {quick["shell_id"]: "stopped", server["shell_id"]: "killed",
                      blocker["shell_id"]: "killed"}
    with pytest.raises(ShellError, match="no background shell 'shell_nope'"):
        cl.shells.get("shell_nope")


async def test_closing_kills_running_background_shells(tmp_path):
    cl = CommandLine(CommandLineSettings(cwd=str(tmp_path)))
    await cl.open()
    pids = tmp_path / "pids"
    await cl.start_background(f"sleep 300 & echo $! > {pids}; wait")
    for _ in range(100):
        if pids.exists() and pids.read_text().strip():
            break
        await asyncio.sleep(0.05)
    await cl.close()
    assert not alive(int(pids.read_text()))
    assert os.path.isdir(tmp_path)
