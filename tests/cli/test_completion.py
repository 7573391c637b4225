"""Shell completion as docs/cli.md documents it: shtab's scripts, generated from the parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHTAB = str(Path(sys.executable).parent / "shtab")


def script(shell: str) -> str:
    return subprocess.run([SHTAB, f"--shell={shell}", "agentplug.cli.build_parser"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def complete(script_path: Path, *words: str) -> list[str]:
    """What bash offers for the last of ``words``, through the real completion function."""
    line = " ".join(("agentplug", *words))
    previous = words[-2] if len(words) > 1 else "agentplug"
    program = (f'source "{script_path}"; COMP_WORDS=(agentplug {" ".join(words)}); '
               f"COMP_CWORD={len(words)}; COMP_LINE='{line}'; COMP_POINT={len(line)}; "
               f'_shtab_agentplug agentplug "{words[-1]}" "{previous}"; '
               'printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_bash_completes_commands_and_options(tmp_path):
    path = tmp_path / "agentplug.bash"
    path.write_text(script("bash"))
    assert complete(path, "ch") == ["chat", "check"]
    assert complete(path, "chat", "--pl") == ["--plain"]
    assert "--force" in complete(path, "init", "--")


def test_zsh_script_is_generated_for_every_command():
    text = script("zsh")
    assert text.startswith("#compdef agentplug")
    for command in ("chat", "init", "run", "backends", "models"):
        assert f"{command}:" in text or f"'{command}'" in text
