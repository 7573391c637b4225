"""Docker mode's MassGen environment keys on the private engine: ``auto_install_deps``
installs what the workspace's requirements.txt names when the container starts (the image has
no network and no pip: pip comes from this Python's own bundled wheel, mounted in, and the
requirement is a local wheel) and a pyproject.toml editable (an in-tree build backend, files it
writes in cwd given to cwd's owner); a failed install is told to the model and the container
stays usable; ``command_execution_venv_path`` names a virtualenv inside the container."""

from __future__ import annotations

import glob
import inspect
import os
import sysconfig
from pathlib import Path

import pytest

from agentplug.toolsets.command_line.dependencies import install_steps
from agentplug.toolsets.command_line.process import SandboxError
from agentplug.toolsets.command_line.server import CommandLine
from agentplug.toolsets.command_line.settings import CommandLineSettings, DockerSettings

PROBE = "agentplug_probe"


def pip_wheel() -> str:
    """pip as a wheel (runnable from the zip): ensurepip's bundled one."""
    found = glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "ensurepip", "_bundled",
                                   "pip-*.whl"))
    if not found:
        pytest.skip("this Python has no bundled pip wheel (ensurepip) to lend the image")
    return found[0]


def make_wheel(directory, project, files):
    """A real, minimal wheel of ``project`` 1.0 holding ``files``; its name. Standard library
    only: it is also the in-tree build backend's (``TREE_BACKEND``), run by pip in the
    container."""
    import base64
    import hashlib
    import os
    import zipfile

    dist = f"{project}-1.0.dist-info"
    files = {**files, f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {project}\n"
                                          "Version: 1.0\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    record = []
    name = f"{project}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as whl:
        for path, text in files.items():
            whl.writestr(path, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
            record.append(f"{path},sha256={digest.rstrip(b'=').decode()},{len(text)}")
        whl.writestr(f"{dist}/RECORD", "\n".join([*record, f"{dist}/RECORD,,"]) + "\n")
    return name


def write_wheel(directory: Path) -> Path:
    """A wheel with one module, VALUE = 42."""
    return directory / make_wheel(str(directory), PROBE, {f"{PROBE}/__init__.py": "VALUE = 42\n"})


# A PEP 517 backend that needs nothing from an index, and writes into the source tree as
# setuptools' build/ does: the editable wheel points a .pth at the workspace.
TREE_BACKEND = inspect.getsource(make_wheel) + """
import os


def get_requires_for_build_editable(config_settings=None):
    return []


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    os.makedirs("build", exist_ok=True)
    with open("build/log.txt", "w") as log:
        log.write("built")
    return make_wheel(wheel_directory, "agentplug_tree", {"agentplug_tree.pth": os.getcwd()})


build_wheel = build_editable
"""
TREE_PROJECT = """[build-system]
requires = []
build-backend = "tree_backend"
backend-path = ["."]

[project]
name = "agentplug_tree"
version = "1.0"
"""


def test_dependency_files_are_found_in_massgens_order(tmp_path):
    for name in ("package.json", "yarn.lock", "setup.py", "pyproject.toml",
                 "requirements.txt", "apt-packages.txt", "Pipfile"):
        (tmp_path / name).write_text("")
    assert [s.source for s in install_steps(tmp_path)] == [
        "apt-packages.txt", "requirements.txt", "pyproject.toml", "Pipfile", "yarn.lock"]
    (tmp_path / "yarn.lock").unlink()
    assert install_steps(tmp_path)[-1].command == "npm install"
    assert install_steps(tmp_path / "empty") == []


@pytest.fixture
def boxes(docker_env, opened):
    async def make(cwd: Path, **settings) -> CommandLine:
        docker = DockerSettings(**settings.pop("docker", {}))
        return await opened(CommandLineSettings(cwd=str(cwd), mode="docker", docker=docker,
                                                **settings))
    return make


def lend_pip(tmp_path: Path) -> dict:
    """Docker settings that put pip in the image: its wheel mounted read-only and on
    PYTHONPATH (through the credentials' env_file, as a user would)."""
    env_file = tmp_path / "pip.env"
    env_file.write_text("PYTHONPATH=/opt/pip.whl\n")
    return {"mounts": ((pip_wheel(), "/opt/pip.whl"),), "env_file": str(env_file)}


@pytest.mark.docker
async def test_auto_install_deps_installs_the_requirements_when_the_container_starts(
        boxes, user_dir, tmp_path):
    wheels = user_dir / "wheels"
    wheels.mkdir()
    wheel = write_wheel(wheels)
    (user_dir / "requirements.txt").write_text(f"./wheels/{wheel.name}\n")
    (user_dir / "package.json").write_text("{}\n")  # the image has no npm: this one fails
    cl = await boxes(user_dir, docker={**lend_pip(tmp_path), "auto_install_deps": True})
    result = await cl.execute(f"python3 -c 'import {PROBE}; print({PROBE}.VALUE)'; id -u")
    assert result["stdout"].split() == ["42", "1000"], result
    setup = result["sandbox_setup"]
    assert any(line.startswith("auto_install_deps: installed requirements.txt")
               for line in setup), setup
    failed = next(line for line in setup if "package.json failed" in line)
    assert "npm install" in failed and "(exit 127)" in failed
    # told once; the container stays usable after the failed step
    again = await cl.execute("echo still here")
    assert again["stdout"] == "still here\n" and "sandbox_setup" not in again
    # the ownership fix-up after the root installers touches only what they wrote: the
    # files this (root) test made before the container started keep their owner
    assert (user_dir / "requirements.txt").stat().st_uid == os.geteuid()


@pytest.mark.docker
async def test_a_pyproject_is_installed_editable_and_what_it_wrote_is_the_owners(
        boxes, user_dir, tmp_path):
    (user_dir / "pyproject.toml").write_text(TREE_PROJECT)
    (user_dir / "tree_backend.py").write_text(TREE_BACKEND)
    (user_dir / "agentplug_tree").mkdir()
    (user_dir / "agentplug_tree" / "__init__.py").write_text("WHERE = __file__\n")
    cl = await boxes(user_dir, docker={**lend_pip(tmp_path), "auto_install_deps": True})
    result = await cl.execute("python3 -c 'import agentplug_tree; print(agentplug_tree.WHERE)'")
    assert result["sandbox_setup"][0].startswith("auto_install_deps: installed pyproject.toml"), \
        result["sandbox_setup"]
    # editable: the module is imported from the workspace, so the agent's edits are live
    assert result["stdout"] == f"{user_dir}/agentplug_tree/__init__.py\n"
    # the root installer wrote build/ in cwd; it is given to cwd's owner
    assert (user_dir / "build" / "log.txt").stat().st_uid == user_dir.stat().st_uid != 0


@pytest.mark.docker
async def test_without_auto_install_deps_nothing_is_installed(boxes, user_dir, tmp_path):
    wheel = write_wheel(user_dir)
    (user_dir / "requirements.txt").write_text(f"./{wheel.name}\n")
    cl = await boxes(user_dir, docker=lend_pip(tmp_path))
    result = await cl.execute(f"python3 -c 'import {PROBE}'")
    assert result["exit_code"] == 1 and "No module named" in result["stderr"]
    assert "sandbox_setup" not in result


@pytest.mark.docker
async def test_a_venv_path_is_a_path_in_the_container(boxes, user_dir):
    maker = await boxes(user_dir)
    made = await maker.execute("python3 -m venv --without-pip cvenv && echo ok")
    assert made["stdout"] == "ok\n", made
    await maker.close()
    venv = user_dir / "cvenv"
    cl = await boxes(user_dir, venv_path=str(venv))
    lines = (await cl.execute("command -v python; python -c 'import sys; print(sys.prefix)'; "
                              "echo $VIRTUAL_ENV"))["stdout"].splitlines()
    assert lines == [str(venv / "bin" / "python"), str(venv), str(venv)]
    prefixed = await boxes(user_dir, command_prefix="env BAZ=3")
    out = await prefixed.execute("printenv BAZ")
    assert out["stdout"] == "3\n" and out["command"] == "env BAZ=3 printenv BAZ"


@pytest.mark.docker
async def test_a_venv_path_missing_in_the_container_is_a_clear_error(boxes, user_dir):
    with pytest.raises(SandboxError, match="/opt/none is not a virtualenv in the container"):
        await boxes(user_dir, venv_path="/opt/none")
