"""MassGen's own configs (a sample of 26, in ``sample/``) through ``agentplug check``, run
from the sample's root as MassGen's users run them from their checkout, with no provider key
or secret set. Each file passes, or fails only with located reasons that are right for it."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from agentplug.commands.check import check

SAMPLE = Path(__file__).parent / "sample"
CONFIGS = sorted((SAMPLE / "configs").rglob("*.yaml"))
# Keys whose support other issues deliver (command-line execution, AG2 group chats): until
# then a file using them may fail on them, located, and on nothing else.
PENDING = re.compile(r"\.(enable_mcp_command_line|command_line_\w+|group_config)\b")
# Files that must fail, and the located reason each must give.
MUST_FAIL = {
    "tools/custom_tools/qwen_local_custom_tool_example_no_path.yaml":
        (r"agents\[0\]\.backend\.custom_tools\[0\]\.function$", r"no `path` or `module`"),
}


@pytest.fixture
def massgen_checkout(monkeypatch):
    monkeypatch.chdir(SAMPLE)
    for var in list(os.environ):
        if var.endswith(("_API_KEY", "_TOKEN", "_TOKEN_ONE")):
            monkeypatch.delenv(var)


def run_check(path: Path, capsys) -> tuple[int, str, str]:
    code = check(argparse.Namespace(config=str(path), strict=False, massgen=False))
    out = capsys.readouterr()
    return code, out.out, out.err


def problems(err: str) -> list[tuple[str, str, int]]:
    """(key path, message, line) of each reported problem."""
    found = []
    for m in re.finditer(r"^  \S+?\.yaml:(\d+): (\S+): (.+)$", err, re.M):
        found.append((m.group(2), m.group(3), int(m.group(1))))
    return found


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(SAMPLE / "configs")))
def test_sample_config(path, massgen_checkout, capsys):
    rel = str(path.relative_to(SAMPLE / "configs"))
    code, out, err = run_check(path, capsys)
    assert "Traceback" not in out + err
    found = problems(err)
    if rel in MUST_FAIL:
        key, message = MUST_FAIL[rel]
        assert code == 1
        assert any(re.search(key, k) and re.search(message, m) for k, m, _ in found), err
        return
    if code == 0:
        assert out.startswith("ok: agent"), out
        return
    assert found, err
    wrong = [(k, m) for k, m, _ in found if not PENDING.search(k)]
    assert not wrong, f"{rel} fails on keys agentplug should honour:\n{err}"


def test_pass_count_on_the_sample(massgen_checkout, capsys):
    """The figure noted on the issue: every file passes but the broken-on-purpose ones and
    those failing only on keys still pending elsewhere."""
    passed = pending = 0
    for path in CONFIGS:
        code, _, err = run_check(path, capsys)
        passed += code == 0
        pending += code == 1 and all(PENDING.search(k) for k, _, _ in problems(err))
    print(f"MassGen sample: {passed}/{len(CONFIGS)} pass, {pending} pending")
    assert passed == len(CONFIGS) - len(MUST_FAIL) - pending
    assert passed >= 25  # measured: 25 of 26, the other failing as MassGen ships it


def test_unset_variables_warn_and_strict_makes_them_errors(massgen_checkout, capsys):
    path = SAMPLE / "configs/tools/mcp/claude_code_discord_mcp_example.yaml"
    code, out, err = run_check(path, capsys)
    assert code == 0 and "warning:" in err and "DISCORD_BOT_TOKEN is not set" in err
    code = check(argparse.Namespace(config=str(path), strict=True, massgen=False))
    err = capsys.readouterr().err
    assert code == 1 and re.search(r"\.yaml:13: agent\.backend\.mcp_servers\.discord\.args\[3\]:"
                                   r" environment variable DISCORD_BOT_TOKEN is not set", err)


def test_top_level_massgen_sections_are_notices(massgen_checkout, capsys):
    code, _, err = run_check(SAMPLE / "configs/memory/single_agent_compression_test.yaml", capsys)
    assert code == 0
    assert re.search(r"notice: .*:\d+: memory: top-level `memory` is MassGen's", err)
    assert "notice:" in err and "orchestrator" in err


def test_massgen_report_lists_honoured_ignored_rejected(massgen_checkout, capsys):
    path = SAMPLE / "configs/tools/custom_tools/qwen_local_custom_tool_example_no_path.yaml"
    code = check(argparse.Namespace(config=str(path), strict=False, massgen=True))
    out = capsys.readouterr().out
    assert code == 1
    honoured = out.split("massgen: ignored on purpose")[0]
    assert "agents[0].backend.model" in honoured and "agents[0].system_message" in honoured
    assert re.search(r"massgen: ignored on purpose\n  ui: MassGen's terminal display", out)
    assert re.search(r"massgen: rejected\n  agents\[0\]\.backend\.custom_tools: .*no `path`",
                     out)


def test_the_cli_as_massgen_users_run_it(massgen_checkout):
    """The installed `agentplug` command from the checkout's root: exit codes, no traceback."""
    import subprocess
    import sys

    exe = str(Path(sys.executable).parent / "agentplug")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    good = "configs/tools/custom_tools/gemini_custom_tool_example.yaml"
    ok = subprocess.run([exe, "check", good], capture_output=True, text=True, timeout=60,
                        env=env, cwd=SAMPLE)
    assert ok.returncode == 0 and "ok: agent 'gemini2.5flash_custom_tool'" in ok.stdout
    bad = subprocess.run([exe, "check", "configs/tools/custom_tools/"
                          "qwen_local_custom_tool_example_no_path.yaml"],
                         capture_output=True, text=True, timeout=60, env=env, cwd=SAMPLE)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert ("qwen_local_custom_tool_example_no_path.yaml:11: "
            "agents[0].backend.custom_tools[0].function") in bad.stderr


def load_bench(monkeypatch):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "massgen_configs", Path(__file__).parents[2] / "bench" / "massgen_configs.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look it up there
    spec.loader.exec_module(bench)
    return bench


@pytest.mark.skipif(not os.environ.get("AGENTPLUG_MASSGEN_CHECKOUT"),
                    reason="set AGENTPLUG_MASSGEN_CHECKOUT to a MassGen checkout")
def test_a_whole_massgen_checkout(monkeypatch):
    """Issue 12's bar on the developer's own MassGen checkout: at least 95% of the agent
    configs that should pass do, and no file prints a traceback."""
    bench = load_bench(monkeypatch)
    results = bench.measure(Path(os.environ["AGENTPLUG_MASSGEN_CHECKOUT"]))
    s = bench.summary(results)
    assert s["traceback"] == 0 and s["should_pass"] > 0, bench.report(results)
    assert s["pass"] >= 0.95 * s["should_pass"], bench.report(results)


def test_the_measurement_script_over_a_directory_of_configs(massgen_checkout, capsys,
                                                           monkeypatch):
    """bench/massgen_configs.py, which measures a whole MassGen checkout, classifies the
    sample as the tests above do: each file passes, fails as shipped, or is listed with its
    reason; no traceback."""
    bench = load_bench(monkeypatch)
    results = {r.file: r for r in bench.measure(SAMPLE)}
    assert len(results) == len(CONFIGS)
    no_path = results["tools/custom_tools/qwen_local_custom_tool_example_no_path.yaml"]
    assert no_path.verdict == "must-fail" and no_path.must_fail_as == "library tool with no path"
    assert not [r for r in results.values() if r.verdict in ("traceback", "fail")], \
        bench.report(list(results.values()))
    assert bench.main([str(SAMPLE)]) == 0
    assert re.match(r"26 files: 25 of 25 agent configs that should pass do \(100\.0%\)",
                    capsys.readouterr().out)
