"""``command_line_docker_packages.auto_install_deps``: the install commands a workspace's
dependency files call for, found as MassGen's DependencyDetector finds them.

System packages first (``apt-packages.txt``, one name a line), then Python
(``requirements.txt``; ``pyproject.toml`` or ``setup.py`` installed editable, once;
``Pipfile`` through pipenv into the container's Python), then Node (``package.json`` with
``npm install``, or ``yarn install`` beside a ``yarn.lock``). Each command runs in the
workspace; whether an index can be reached is the network mode's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# pip in a throwaway container: the image's Python may be marked externally managed
# (Debian's), which only protects a host's system packages.
PIP = "python3 -m pip install -q --disable-pip-version-check --no-input"
PIP_ENV = {"PIP_BREAK_SYSTEM_PACKAGES": "1", "PIP_ROOT_USER_ACTION": "ignore"}


@dataclass(frozen=True, slots=True)
class InstallStep:
    source: str  # the file that asked for it
    command: str  # run in the workspace, as root


def install_steps(workspace: str | Path) -> list[InstallStep]:
    root = Path(workspace)

    def has(name: str) -> bool:
        return (root / name).is_file()

    steps: list[InstallStep] = []
    if has("apt-packages.txt"):
        steps.append(InstallStep("apt-packages.txt", (
            "apt-get update -q && DEBIAN_FRONTEND=noninteractive "
            "xargs -a apt-packages.txt apt-get install -y -q")))
    if has("requirements.txt"):
        steps.append(InstallStep("requirements.txt", f"{PIP} -r requirements.txt"))
    project = next((n for n in ("pyproject.toml", "setup.py") if has(n)), None)
    if project:
        steps.append(InstallStep(project, f"{PIP} -e ."))
    if has("Pipfile"):
        steps.append(InstallStep("Pipfile", f"{PIP} pipenv && pipenv install --system"))
    if has("package.json"):
        steps.append(InstallStep("yarn.lock", "yarn install") if has("yarn.lock")
                     else InstallStep("package.json", "npm install"))
    return steps
