"""Lambda handlers used by the runtime tests (imported inside worker processes)."""

from __future__ import annotations

import os
import time
from typing import Any

STARTED = time.time()


def echo_environment(event: Any, context: Any) -> Any:
    print("handler output goes to the log, not the protocol")
    return {"env": dict(os.environ), "event": event, "request_id": context.aws_request_id, "pid": os.getpid()}


def slow(event: Any, _context: Any) -> Any:
    time.sleep(float(event["seconds"]))
    return {"pid": os.getpid()}


def crash(_event: Any, _context: Any) -> Any:
    os._exit(3)


class QuotaExceeded(Exception):
    pass


def fail(_event: Any, _context: Any) -> Any:
    raise QuotaExceeded("too many widgets")
