"""``agentplug batch`` as users run it: a child process against the simulator, killed with
SIGKILL or interrupted with SIGINT mid-batch, then rerun."""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from batch_support import (
    AGENTPLUG, BatchSim, config_text, read_results, refused, run_cli, write_tasks,
)

def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([AGENTPLUG, "batch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def lines_in(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stop(proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    try:
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err


def test_kill_9_at_a_random_point_then_rerun_gives_every_id_exactly_once(tmp_path):
    n = 1000
    tasks = write_tasks(tmp_path / "tasks.jsonl", n)
    out = tmp_path / "results.jsonl"
    with BatchSim(refuse=True, transient=0.10, seed=9) as sim:
        config = tmp_path / "agents.yaml"
        config.write_text(config_text(sim.base_url))
        # 10% transient faults: 8 retries make a task that fails them all (1e-9) unlikely,
        # so the failures are exactly the refused tasks.
        proc = start("-c", str(config), str(tasks), "-o", str(out), "-j", "16",
                     "--retries", "8")
        kill_at = random.Random().randrange(20, 600)
        wait_for(lambda: lines_in(out) >= kill_at or proc.poll() is not None)
        code, _ = stop(proc, signal.SIGKILL)
        assert code == -signal.SIGKILL
        partial = read_results(out)  # whole lines only
        assert kill_at <= len(partial) < n
        assert len({r["id"] for r in partial}) == len(partial)

        again = run_cli("-c", str(config), str(tasks), "-o", str(out), "-j", "16",
                        "--retries", "8", "--progress-interval", "0.5")
        assert again.returncode == 1, again.stderr  # some tasks failed (and are recorded)
    results = read_results(out)
    ids = [r["id"] for r in results]
    assert len(ids) == n and set(ids) == {str(i) for i in range(n)}
    assert [r["id"] for r in results[:len(partial)]] == [r["id"] for r in partial]
    failed = {r["id"] for r in results if r["status"] == "failed"}
    assert failed == {str(i) for i in range(n) if refused(str(i))}
    assert all(r["error"]["status"] == 400 for r in results if r["status"] == "failed")
    # not a terminal: plain progress lines, then the summary
    assert f"batch: {n} tasks, {len(partial)} already done, {n - len(partial)} to run" \
        in again.stderr
    assert re.search(r"batch: \d+/1000 done, \d+ ok, \d+ failed, \d+ running, \d+ tokens, "
                     r"[\d.]+ tasks/s", again.stderr)
    left = sum(1 for r in results[len(partial):] if r["status"] == "failed")
    assert f"batch: {n - len(partial) - left} ok, {left} failed, {len(partial)} already " \
        "done, 0 not run, of 1000 tasks" in again.stderr
    assert f"failures: {left} ProviderError" in again.stderr
    assert "task time: p50" in again.stderr


def test_ctrl_c_lets_running_tasks_finish_and_a_rerun_completes(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 16)
    out = tmp_path / "results.jsonl"
    with BatchSim(chunk_delay=0.1) as sim:  # ~0.3 s per answer
        config = tmp_path / "agents.yaml"
        config.write_text(config_text(sim.base_url))
        proc = start("-c", str(config), str(tasks), "-o", str(out), "-j", "4", "--grace", "20")
        wait_for(lambda: lines_in(out) >= 2)
        started = len(sim.arrivals)
        code, err = stop(proc, signal.SIGINT)
        assert code == 130, err
        assert "stopping: no new tasks" in err
        done = read_results(out)
        # every task that had started finished within the grace and was recorded
        assert len(done) == len(sim.arrivals) >= started and len(done) < 16
        assert all(r["status"] == "ok" for r in done)

        again = run_cli("-c", str(config), str(tasks), "-o", str(out), "-j", "8")
        assert again.returncode == 0, again.stderr
    ids = [r["id"] for r in read_results(out)]
    assert sorted(ids, key=int) == [str(i) for i in range(16)]


def test_ctrl_c_twice_cancels_running_tasks_without_a_line(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 10)
    out = tmp_path / "results.jsonl"
    with BatchSim(chunk_delay=3.0) as sim:  # answers take ~10 s
        config = tmp_path / "agents.yaml"
        config.write_text(config_text(sim.base_url))
        proc = start("-c", str(config), str(tasks), "-o", str(out), "-j", "3", "--grace", "60")
        wait_for(lambda: len(sim.arrivals) >= 3)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        t0 = time.monotonic()
        code, err = stop(proc, signal.SIGINT)
        assert code == 130 and time.monotonic() - t0 < 8, err
        assert "cancelling running tasks" in err
    assert out.read_text() == ""


def test_live_progress_bar_on_a_terminal(tmp_path, sim, config):
    pexpect = pytest.importorskip("pexpect")
    tasks = write_tasks(tmp_path / "tasks.jsonl", 5)
    child = pexpect.spawn(AGENTPLUG, ["batch", "-c", str(config), str(tasks), "-o",
                                      str(tmp_path / "r.jsonl")],
                          env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
                          encoding="utf-8", timeout=60)
    screen = io.StringIO()
    child.logfile_read = screen
    try:
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    text = screen.getvalue()
    assert "━" in text and "5/5" in text and "5 ok" in text  # the rich bar and its counts
    assert "task time: p50" in text


def test_config_and_rate_limit_errors_are_located(tmp_path, sim, config):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 2)
    limits = tmp_path / "rate_limits.yaml"
    limits.write_text("chatcompletion:\n  sim-model:\n    rpm: 10\n    rqm: 5\n")
    out = run_cli("-c", str(config), str(tasks), "-o", str(tmp_path / "r.jsonl"),
              "--rate-limits", str(limits))
    assert out.returncode == 1
    assert f"{limits}:4: chatcompletion.sim-model.rqm: unknown key" in out.stderr
    assert "known keys: rpm, tpm, rpd, tpd" in out.stderr
    assert not sim.requests
