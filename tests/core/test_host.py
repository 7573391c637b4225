"""The plugin host: built-ins and entry points through the same hooks; broken plugins are
reported by name and never take the host down. Entry points are real: each test plugin is a
distribution (dist-info with entry_points.txt) on the path of a child interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentplug.core.host import PluginHost

GOOD = '''
from agentplug import BackendSpec, hookimpl

@hookimpl
def register_backends(register):
    register(BackendSpec(type="{type}", title="T", factory="x:y"))
'''


def make_dist(root: Path, name: str, module_source: str) -> None:
    (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[agentplug]\n{name} = {name}\n")


def host_report(path: Path, env_extra: dict[str, str] | None = None) -> dict:
    code = ("import json; from agentplug.core.host import PluginHost; h = PluginHost(); "
            "print(json.dumps({'types': [s.type for s in h.registry], "
            "'plugins': {s.type: s.plugin for s in h.registry}, "
            "'problems': [str(p) for p in h.problems]}))")
    import os

    env = {**os.environ, "PYTHONPATH": str(path), **(env_extra or {})}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60, check=True)
    return json.loads(out.stdout)


def test_builtins_register_through_the_hook():
    host = PluginHost(load_entry_points=False)
    spec = host.backend("chatcompletion")
    assert spec.plugin == "builtin:chatcompletion"
    assert host.problems == []


def test_third_party_plugin_is_discovered(tmp_path):
    make_dist(tmp_path, "goodplug", GOOD.format(type="goodtype"))
    report = host_report(tmp_path)
    assert report["plugins"]["goodtype"] == "goodplug"
    assert report["problems"] == []


def test_broken_plugins_are_reported_by_name_and_the_host_survives(tmp_path):
    make_dist(tmp_path, "importfails", "import no_such_module_xyz\n")
    make_dist(tmp_path, "raisesplug", """
        from agentplug import hookimpl

        @hookimpl
        def register_backends(register):
            raise RuntimeError("boom in plugin")
    """)
    make_dist(tmp_path, "dupplug", GOOD.format(type="chatcompletion"))
    make_dist(tmp_path, "badname", GOOD.format(type="not-an-identifier"))
    make_dist(tmp_path, "goodplug", GOOD.format(type="goodtype"))
    report = host_report(tmp_path)
    problems = "\n".join(report["problems"])
    assert "plugin 'importfails': failed to load importfails" in problems
    assert "ModuleNotFoundError" in problems
    assert "plugin 'raisesplug': register_backends raised RuntimeError: boom in plugin" in problems
    assert ("plugin 'dupplug': backend type 'chatcompletion' is already declared by plugin "
            "'builtin:chatcompletion'") in problems
    assert "plugin 'badname': invalid declaration of 'not-an-identifier'" in problems
    assert {"chatcompletion", "goodtype"} <= set(report["types"])
    assert report["plugins"]["chatcompletion"] == "builtin:chatcompletion"


def test_plugins_can_be_blocked_or_skipped(tmp_path):
    make_dist(tmp_path, "goodplug", GOOD.format(type="goodtype"))
    blocked = host_report(tmp_path, {"AGENTPLUG_DISABLE_PLUGINS": "goodplug"})
    assert "goodtype" not in blocked["types"]
    skipped = host_report(tmp_path, {"AGENTPLUG_LOAD_ENTRY_POINTS": "0"})
    assert "goodtype" not in skipped["types"]


def test_listing_backends_imports_no_provider_sdk():
    code = ("import sys; from agentplug.core.host import PluginHost; PluginHost(); "
            "import agentplug.commands.backends as b; b.rows(PluginHost().registry); "
            "bad = [m for m in ('openai', 'anthropic', 'google.genai', 'claude_agent_sdk', "
            "'autogen', 'mcp', 'llama_cpp') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_import_agentplug_imports_no_provider_sdk():
    code = ("import sys, agentplug; agentplug.Agent; agentplug.create_agent; "
            "print([m for m in ('openai', 'anthropic', 'google.genai', 'claude_agent_sdk', "
            "'autogen', 'mcp') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_public_surface_is_exactly_all():
    import agentplug

    for name in agentplug.__all__:
        assert getattr(agentplug, name) is not None, name
    assert "Agent" in agentplug.__all__ and "create_agent" in agentplug.__all__


THREE_HOOKS = '''
from agentplug import CommandSpec, FunctionToolset, ToolsetSpec, hookimpl

@hookimpl
def register_toolsets(register):
    register(ToolsetSpec(name="{name}", title="T", factory=lambda: FunctionToolset([])))
    register("not a spec")

@hookimpl
def register_commands(register):
    register(CommandSpec(name="{name}", help="h", configure=lambda p: None, run=lambda a: 0))
'''


def test_toolsets_and_commands_register_and_duplicates_name_both_plugins(tmp_path):
    make_dist(tmp_path, "first", THREE_HOOKS.format(name="shared"))
    make_dist(tmp_path, "second", THREE_HOOKS.format(name="shared"))
    code = ("import json; from agentplug.core.host import PluginHost; h = PluginHost(); "
            "print(json.dumps({'toolsets': {s.name: s.plugin for s in h.toolsets}, "
            "'commands': {s.name: s.plugin for s in h.commands}, "
            "'problems': [str(p) for p in h.problems]}))")
    import os

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=60,
                         check=True)
    report = json.loads(out.stdout)
    owner = report["toolsets"]["shared"]
    other = "second" if owner == "first" else "first"
    assert report["commands"]["shared"] == owner
    problems = "\n".join(report["problems"])
    assert f"toolset 'shared' is already declared by plugin {owner!r}" in problems
    assert f"command 'shared' is already declared by plugin {owner!r}" in problems
    assert f"plugin {other!r}" in problems
    assert "register() takes a ToolsetSpec, got 'not a spec'" in problems


def test_backend_choice_and_installed_column_read_the_declarations():
    from agentplug.core.errors import UsageError
    from agentplug.core.registry import BackendSpec, Registry
    from agentplug.selection import choose_backend

    registry: Registry[BackendSpec] = Registry()
    for spec in (BackendSpec(type="late", title="L", factory="x:y", env_vars=("LATE_KEY",),
                             auto_rank=90),
                 BackendSpec(type="early", title="E", factory="x:y", env_vars=("EARLY_KEY",),
                             auto_rank=5, sdk_modules=("no_such_sdk_xyz",)),
                 BackendSpec(type="named_only", title="N", factory="x:y",
                             env_vars=("NAMED_KEY",))):
        registry.register(spec)
    env = {"LATE_KEY": "1", "EARLY_KEY": "1", "NAMED_KEY": "1"}
    assert choose_backend(None, None, env, registry)[0] == {"type": "early"}
    assert choose_backend(None, None, {"LATE_KEY": "1", "NAMED_KEY": "1"},
                          registry)[0] == {"type": "late"}
    with pytest.raises(UsageError, match="no backend to run"):
        choose_backend(None, None, {"NAMED_KEY": "1"}, registry)
    registry.register(BackendSpec(type="keyless", title="K", factory="x:y", auto_rank=999))
    assert choose_backend(None, None, {"NAMED_KEY": "1"}, registry)[0] == {"type": "keyless"}
    raw, reason = choose_backend(None, "m1", {"LATE_KEY": "1"}, registry)
    assert raw == {"type": "late", "model": "m1"}
    assert reason.endswith("because LATE_KEY is set (--backend keyless needs no key)")
    assert not registry.get("early").installed() and registry.get("late").installed()


def test_the_cli_parser_imports_no_pydantic():
    # Every built-in names its params model by path: building the parser (what
    # `agentplug --help` does) imports no model, so pydantic stays unloaded.
    code = ("import sys; from agentplug.cli import build_parser; build_parser(); "
            "print([m for m in ('pydantic', 'agentplug.core.params') if m in sys.modules])")
    env = {**os.environ, "AGENTPLUG_LOAD_ENTRY_POINTS": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True, env=env)
    assert out.stdout.strip() == "[]"
    specs = list(PluginHost(load_entry_points=False).registry)
    assert len(specs) >= 13
    assert all(isinstance(spec.params, str) for spec in specs)
