"""MassGen's allowed/blocked command patterns (re.match from the start) applied to the whole
line and to every command of a list or pipeline, and the built-in rules per mode."""

from __future__ import annotations

import pytest

from agentplug.toolsets.command_line.policy import (
    CommandPolicy, CommandRefusedError, split_commands,
)


def refused(policy: CommandPolicy, command: str) -> str:
    with pytest.raises(CommandRefusedError) as info:
        policy.check(command)
    return str(info.value)


def test_split_commands_honours_quotes_and_operators():
    assert split_commands("cd x && python a.py | tee 'a;b' ; FOO=1 rm -rf y &") == [
        "cd x", "python a.py", "tee 'a;b'", "rm -rf y"]
    assert split_commands('echo "a && b" || (ls)') == ['echo "a && b"', "ls)"]
    assert split_commands("a\nb") == ["a", "b"]


def test_blocked_patterns_match_from_the_start_as_in_massgen():
    policy = CommandPolicy(blocked=["python.*", "pip.*"])
    message = refused(policy, "python3 -c 'print(1)'")
    assert "command_line_blocked_commands pattern 'python.*'" in message
    assert "Nothing was run" in message
    policy.check("echo python")  # re.match: only the start counts
    # ...but every command of the line is a start
    assert "'pip install x'" in refused(policy, "cd /tmp && pip install x")


def test_allowed_patterns_must_cover_every_command_of_the_line():
    policy = CommandPolicy(allowed=["python .*", "pytest.*"])
    policy.check("python a.py")
    policy.check("pytest -q && python b.py")
    message = refused(policy, "python a.py; rm -rf build")
    assert "'rm -rf build' matches no command_line_allowed_commands pattern" in message
    assert "'python .*', 'pytest.*'" in message


def test_builtin_rules_name_themselves_and_depend_on_the_mode():
    local, docker = CommandPolicy(mode="local"), CommandPolicy(mode="docker")
    assert "built-in rule 'rm-root'" in refused(local, "rm -rf /")
    assert "'rm-root'" in refused(docker, "rm -rf ~")  # reaches the host through the mount
    local.check("rm -rf /tmp/build")
    assert "'sudo'" in refused(local, "sudo apt-get install x")
    docker.check("sudo apt-get install x")  # inside the container, sudo is the container's
    assert "'fork-bomb'" in refused(local, ":(){ :|:& };:")
    assert "'disk-write'" in refused(local, "dd if=/dev/zero of=/dev/sda")
    local.check("dd if=/dev/zero of=blob bs=1k count=1")


def test_empty_and_invalid_patterns():
    assert "empty" in refused(CommandPolicy(), "   ")
    with pytest.raises(ValueError, match=r"command_line_blocked_commands: '\(' is not a valid"):
        CommandPolicy(blocked=["("])
