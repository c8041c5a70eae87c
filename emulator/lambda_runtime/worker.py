"""The worker process: imports one handler, then answers invocations read from stdin.

Protocol (one JSON document per line): the parent writes `{"id", "event", "context"}`; the worker
writes `{"id", "payload"}` or `{"id", "errorType", "errorMessage"}` on the protocol stream. The
handler's own stdout is redirected to stderr, so logs never corrupt the protocol.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Context:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int
    deadline_ms: int
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def main() -> None:
    module_name, _, attr = sys.argv[1].rpartition(".")
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # print() and logging in the handler go to stderr
    sys.stdout = sys.stderr
    handler = getattr(importlib.import_module(module_name), attr)
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        message = json.loads(line)
        meta: dict[str, Any] = message["context"]
        context = Context(
            function_name=meta["function_name"],
            aws_request_id=meta["request_id"],
            memory_limit_in_mb=int(meta["memory_mb"]),
            deadline_ms=int(meta["deadline_ms"]),
        )
        try:
            reply = {"id": message["id"], "payload": handler(message["event"], context)}
            text = json.dumps(reply)
        except Exception as exc:  # the Lambda runtime reports any exception as a function error
            text = json.dumps({"id": message["id"], "errorType": type(exc).__name__, "errorMessage": str(exc)})
        protocol.write(text + "\n")


if __name__ == "__main__":
    main()
