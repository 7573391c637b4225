"""A fake ``lms`` (LM Studio CLI) for the lmstudio lifecycle tests.

Its state lives in the JSON file named by $FAKE_LMS_STATE: server running/port, downloaded
and loaded model keys, every call made (argv), and optional failures
(``"fail": {"load": "message"}`` makes ``lms load`` exit 1 with that message).
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    path = os.environ["FAKE_LMS_STATE"]
    with open(path) as f:
        state = json.load(f)
    state["calls"].append(argv)
    command = argv[0] if argv else ""
    code = 0
    if command in state.get("fail", {}):
        print(state["fail"][command], file=sys.stderr)
        code = 1
    elif argv[:2] == ["server", "status"]:
        print(json.dumps({"running": state["running"], "port": state["port"]}))
    elif argv[:2] == ["server", "start"]:
        state["running"] = True
        print(f"Success! Server is now running on port {state['port']}")
    elif argv[:2] == ["server", "stop"]:
        state["running"] = False
    elif command == "ls":
        print(json.dumps([{"type": "llm", "modelKey": m, "path": f"{m}-Q4_K_M.gguf"}
                          for m in state["downloaded"]]))
    elif command == "get":
        state["downloaded"].append(argv[1])
    elif command == "ps":
        print(json.dumps([{"identifier": m, "modelKey": m} for m in state["loaded"]]))
    elif command == "load":
        state["loaded"].append(argv[argv.index("--identifier") + 1])
    elif command == "unload":
        state["loaded"].remove(argv[1])
    elif command == "bootstrap":
        state["bootstrapped"] = True
    else:
        print(f"unknown command {argv}", file=sys.stderr)
        code = 2
    with open(path, "w") as f:
        json.dump(state, f)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
