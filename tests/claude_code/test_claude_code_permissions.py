"""The default deny list, checked against the real CLI (even under bypassPermissions)."""

from __future__ import annotations

from cc_support import collect, model_requests, of_type, result_text, tool_results

from agentplug.core.events import Notice, ToolResult
from agentplug.testing import Reply, ToolCallSpec

# Each default pattern (rm, sudo, su, chmod, chown) and the usual ways around a prefix rule.
DENIED = ["rm victim.txt", "rm -rf .", "sudo ls", "sudo", "su -c ls", "chmod 000 victim.txt",
          "chown nobody victim.txt", "ls && rm victim.txt", "echo $(rm victim.txt)",
          "/bin/rm victim.txt"]
ALLOWED = ["echo fine", "sum victim.txt"]  # `su*` as a glob would have denied `sum`


async def test_default_disallowed_tools_deny_each_pattern(make_agent, sim, workdir):
    workdir.mkdir(parents=True)
    victim = workdir / "victim.txt"
    victim.write_text("keep me\n")
    commands = DENIED + ALLOWED
    sim.script(Reply(tool_calls=[ToolCallSpec("Bash", {"command": c}, id=f"toolu_{i}")
                                 for i, c in enumerate(commands)]),
               Reply("I could not remove it."))
    async with make_agent(permission_mode="bypassPermissions") as agent:
        events = await collect(agent, "clean up")
    assert victim.read_text() == "keep me\n"
    results = {e.call_id: e for e in of_type(events, ToolResult)}
    verdicts = {c: results[f"toolu_{i}"].is_error for i, c in enumerate(commands)}
    assert verdicts == {**dict.fromkeys(DENIED, True), **dict.fromkeys(ALLOWED, False)}
    for i, command in enumerate(DENIED):
        assert results[f"toolu_{i}"].output == (
            f"Permission to use Bash with command {command} has been denied.")
    notices = [n.message for n in of_type(events, Notice) if n.level == "warning"]
    assert len(notices) == len(DENIED) and "rm victim.txt" in notices[0]
    # The model was told, too.
    sent = {b["tool_use_id"]: result_text(b) for b in tool_results(model_requests(sim)[1])}
    assert "has been denied" in sent["toolu_0"]
    assert sent[f"toolu_{len(DENIED)}"].startswith("fine")
