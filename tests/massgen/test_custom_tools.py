"""``custom_tools`` from YAML: checked by reading the file (never running it), loaded once,
described from type hints and the docstring, results in MassGen's ExecutionResult shape."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentplug.core.config import load_config
from agentplug.core.custom_tools import CustomToolConfig, load_custom_tools
from agentplug.core.errors import ConfigError
from agentplug.core.messages import ImagePart, TextPart

TOOL_FILE = '''\
"""Tools the way MassGen's users write them: an ExecutionResult-shaped return value."""
import base64
from dataclasses import dataclass, field

RUNS = []  # how many times this module was executed

RUNS.append(1)


@dataclass
class TextContent:
    data: str


@dataclass
class ImageContent:
    data: str


@dataclass
class ExecutionResult:
    output_blocks: list = field(default_factory=list)


async def two_num_tool(x: int, y: int) -> ExecutionResult:
    """Add two numbers together.

    Args:
        x: First number
        y: Second number
    """
    return ExecutionResult(output_blocks=[TextContent(data=f"The sum of {x} and {y} is {x + y}")])


def snapshot(label: str, environment: str = "mac", **extra) -> ExecutionResult:
    """Take a screenshot.

    Args:
        label: What to call it
        environment: Where to take it
    """
    png = base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\n" + b"0" * 8).decode()
    return ExecutionResult(output_blocks=[TextContent(data=f"{label} in {environment}"),
                                          ImageContent(data=png)])


async def progress(n: int):
    """Count to n, streaming."""
    for i in range(n):
        yield ExecutionResult(output_blocks=[TextContent(data=f"step {i + 1}")])


def plain(city: str) -> dict:
    return {"city": city, "temp": 21}


def untyped(a, b: int):
    return a
'''


def write(tmp_path: Path, text: str, name: str = "agent.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def tool_dir(tmp_path):
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "mytools.py").write_text(TOOL_FILE)
    return tmp_path


def config_with(tool_dir: Path, tools: str, backend: str = "gemini") -> Path:
    return write(tool_dir, f"agent:\n  backend:\n    type: {backend}\n    custom_tools:\n"
                           + "".join(f"      {line}\n" for line in tools.splitlines()))


def issues_of(path: Path) -> list:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return err.value.issues


def test_massgen_entry_loads_with_path_relative_to_the_config(tool_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path.parent)  # not the config's directory
    cfg = load_config(config_with(tool_dir, """\
- name: ["two_num_tool"]
  category: "math"
  path: "tools/mytools.py"
  function: ["two_num_tool"]
  description: ["Add two numbers"]"""))
    entry = cfg.agents[0].backend.custom_tools[0]
    assert Path(entry.path) == (tool_dir / "tools" / "mytools.py").resolve()
    (tool,) = load_custom_tools([entry])
    d = tool.definition
    assert d.name == "two_num_tool" and d.description == "Add two numbers"
    assert d.parameters["properties"] == {
        "x": {"type": "integer", "description": "First number"},
        "y": {"type": "integer", "description": "Second number"}}
    out = asyncio.run(tool({"x": 2, "y": 40}))
    assert out.as_text == "The sum of 2 and 40 is 42" and not out.is_error


def test_path_falls_back_to_the_working_directory(tool_dir, tmp_path, monkeypatch):
    elsewhere = tmp_path / "configs" / "deep"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(tool_dir)  # MassGen's configs name files from its repository root
    path = write(elsewhere, "agent:\n  backend:\n    type: claude\n    custom_tools:\n"
                            "      - {path: tools/mytools.py, function: two_num_tool}\n")
    assert load_config(path).agents[0].backend.custom_tools[0].path == str(
        (tool_dir / "tools" / "mytools.py").resolve())


def test_file_is_executed_once_for_several_functions(tool_dir):
    entry = CustomToolConfig(path=str(tool_dir / "tools/mytools.py"),
                             function=["two_num_tool", "plain"])
    tools = load_custom_tools([entry]) + load_custom_tools([entry])
    assert [t.definition.name for t in tools] == ["two_num_tool", "plain"] * 2
    module = tools[0].fn.__wrapped__.__module__  # type: ignore[attr-defined]
    import sys
    assert sys.modules[module].RUNS == [1]


def test_preset_args_are_hidden_and_passed_images_become_image_parts(tool_dir):
    entry = CustomToolConfig(path=str(tool_dir / "tools/mytools.py"), function="snapshot",
                             preset_args={"environment": "linux"})
    (tool,) = load_custom_tools([entry])
    assert set(tool.definition.parameters["properties"]) == {"label"}  # no **extra either
    out = asyncio.run(tool({"label": "home"}))
    assert isinstance(out.parts[0], TextPart) and out.parts[0].text == "home in linux"
    assert isinstance(out.parts[1], ImagePart) and out.parts[1].mime_type == "image/png"


def test_streamed_results_give_the_last_and_plain_values_json(tool_dir):
    tools = load_custom_tools([CustomToolConfig(path=str(tool_dir / "tools/mytools.py"),
                                                function=["progress", "plain"])])
    assert asyncio.run(tools[0]({"n": 3})).as_text == "step 3"
    assert asyncio.run(tools[1]({"city": "Oslo"})).structured == {"city": "Oslo", "temp": 21}


def test_short_spelling(tool_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(tool_dir / "tools"))
    path = write(tool_dir, "agent:\n  backend:\n    type: openai\n    tools:\n"
                           "      - ./tools/mytools.py:two_num_tool\n      - mytools:plain\n")
    entries = load_config(path).agents[0].backend.tools
    assert entries[0].path and entries[0].path.endswith("mytools.py")
    assert entries[1].module == "mytools" and entries[1].function == "plain"
    assert [t.definition.name for t in load_custom_tools(entries)] == ["two_num_tool", "plain"]


def test_misspelt_function_is_located_with_a_suggestion(tool_dir):
    (issue,) = issues_of(config_with(tool_dir, """\
- name: ["two_num_tool"]
  path: "tools/mytools.py"
  function: ["two_num_tol"]"""))
    assert issue.key_path == "agent.backend.custom_tools[0].function" and issue.line == 7
    assert "no function 'two_num_tol' in tools/mytools.py" in issue.message
    assert issue.hint == "did you mean 'two_num_tool'?"


def test_untyped_parameter_is_an_error_naming_it(tool_dir):
    (issue,) = issues_of(config_with(tool_dir, "- {path: tools/mytools.py, function: untyped}"))
    assert "parameter 'a' has no type hint" in issue.message and issue.hint == \
        "annotate it, e.g. `a: str`"


def test_missing_file_and_bare_name(tool_dir):
    missing, bare = issues_of(config_with(tool_dir, """\
- {path: massgen/tool/_basic/_two_num_tool.py, function: two_num_tool}
- {name: run_python_script, function: run_python_script}"""))
    assert missing.key_path.endswith("custom_tools[0].path") and "not found" in missing.message
    assert bare.key_path.endswith("custom_tools[1].function")
    assert "MassGen's built-in tool library" in bare.message and "path:" in (bare.hint or "")


def test_names_in_the_mcp_namespace_or_twice_are_errors(tool_dir):
    mcp, twice = issues_of(config_with(tool_dir, """\
- {name: mcp__weather__get, path: tools/mytools.py, function: plain}
- {path: tools/mytools.py, function: [plain, two_num_tool], name: [plain, plain]}"""))
    assert "MCP tools' namespace" in mcp.message and "two custom tools" in twice.message


def test_check_does_not_run_the_users_code(tool_dir):
    (tool_dir / "tools" / "boom.py").write_text(
        "raise SystemExit('imported!')\n\ndef f(x: int) -> int:\n    return x\n")
    cfg = load_config(config_with(tool_dir, "- {path: tools/boom.py, function: f}"))
    assert cfg.agents[0].backend.custom_tools[0].function == "f"


def test_agent_cwd_and_allowed_paths_are_filled_in_not_asked_for(tmp_path):
    (tmp_path / "t.py").write_text(
        "from typing import List, Optional\n\n"
        "async def look(image_path: str, allowed_paths: Optional[List[str]] = None,\n"
        "               agent_cwd: Optional[str] = None) -> str:\n"
        '    """Look at an image."""\n'
        "    return f'{image_path} in {agent_cwd} within {allowed_paths}'\n")
    work = tmp_path / "work"
    (tool,) = load_custom_tools([CustomToolConfig(path=str(tmp_path / "t.py"),
                                                  function="look")], cwd=str(work))
    assert list(tool.definition.parameters["properties"]) == ["image_path"]
    out = asyncio.run(tool({"image_path": "a.png"})).as_text
    assert out == f"a.png in {work.resolve()} within [{str(work.resolve())!r}]"


def test_a_module_is_found_without_running_its_package(tmp_path, monkeypatch):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise SystemExit('package imported!')\n")
    (pkg / "tools.py").write_text("def shout(text: str) -> str:\n    return text.upper()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write(tmp_path, "agent:\n  backend:\n    type: claude\n    tools: ['mypkg.tools:shout',"
                           " 'mypkg.tools:whisper']\n")
    (issue,) = issues_of(path)
    assert issue.key_path == "agent.backend.tools[1].function"
    assert "no function 'whisper' in mypkg.tools" in issue.message


CONTEXT_TOOLS = '''\
def context_params(*names):  # MassGen's decorator, as massgen.tool defines it
    def mark(fn):
        fn.__context_params__ = set(names)
        return fn
    return mark


@context_params("agent_id", "model", "backend_type", "task_context")
async def who(question: str, agent_id=None, model=None, backend_type=None,
              task_context=None) -> str:
    """Say who asks."""
    return f"{question} from {agent_id} on {backend_type} {model}, task {task_context}"


@context_params("current_stage")
async def staged(topic: str, current_stage) -> str:
    """Know the coordination stage."""
    return current_stage
'''


def test_context_params_are_filled_or_defaulted_and_hidden(tmp_path):
    (tmp_path / "ctx.py").write_text(CONTEXT_TOOLS)
    path = write(tmp_path, "agent:\n  id: asker\n  backend:\n    type: gemini\n"
                           "    model: gemini-2.5-flash\n    custom_tools:\n"
                           "      - {path: ctx.py, function: who}\n")
    agent = load_config(path).agents[0]  # untyped, but filled by the runtime: no error
    (tool,) = load_custom_tools(agent.backend.custom_tools, agent_id=agent.id,
                                backend_type=agent.spec.type, model=agent.backend.model)
    assert list(tool.definition.parameters["properties"]) == ["question"]
    assert asyncio.run(tool({"question": "hi"})).as_text == \
        "hi from asker on gemini gemini-2.5-flash, task None"


def test_orchestrator_only_context_is_a_located_error(tmp_path):
    (tmp_path / "ctx.py").write_text(CONTEXT_TOOLS)
    path = write(tmp_path, "agent:\n  backend:\n    type: openai\n    custom_tools:\n"
                           "      - name: [staged]\n        path: ctx.py\n"
                           "        function: [staged]\n")
    (issue,) = issues_of(path)
    assert issue.key_path == "agent.backend.custom_tools[0].function" and issue.line == 7
    assert "@context_params('current_stage') asks for a value of MassGen's orchestrator" \
        in issue.message
    assert "give 'current_stage' a default" in (issue.hint or "")


def test_default_params_are_shown_as_defaults_and_used(tool_dir):
    entry = CustomToolConfig(path=str(tool_dir / "tools/mytools.py"), function="snapshot",
                             default_params={"environment": "docker"})
    (tool,) = load_custom_tools([entry])
    props = tool.definition.parameters["properties"]
    assert set(props) == {"label", "environment"} and props["environment"]["default"] == "docker"
    assert asyncio.run(tool({"label": "a"})).parts[0].text == "a in docker"
    assert asyncio.run(tool({"label": "a", "environment": "mac"})).parts[0].text == "a in mac"
    bad = config_with(tool_dir, "- {path: tools/mytools.py, function: plain, "
                                "default_params: {town: Oslo}}")
    (issue,) = issues_of(bad)
    assert issue.key_path.endswith("custom_tools[0].default_params")
    assert "plain() takes no parameter named town" in issue.message


def test_a_massgen_tool_file_without_massgen_installed_says_what_to_install(tmp_path):
    from agentplug.core.custom_tools import CustomToolLoadError

    (tmp_path / "t.py").write_text("from massgen.tool._result import ExecutionResult\n\n"
                                   "def f(x: int) -> int:\n    return x\n")
    with pytest.raises(CustomToolLoadError, match=r"No module named 'massgen.*"
                                                  r"run where massgen is installed"):
        load_custom_tools([CustomToolConfig(path=str(tmp_path / "t.py"), function="f")])
