"""The Lambda bundle stays small: no handler imports the local stack's or the tooling's libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.definitions import DEPLOY_FUNCTIONS, FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("strawberry", "moto", "gql", "uvicorn", "starlette", "aws_cdk", "jsii", "graphql", "emulator", "client")


@pytest.mark.parametrize("handler", sorted(d.handler for d in [*FUNCTIONS.values(), *DEPLOY_FUNCTIONS.values()]))
def test_importing_a_handler_pulls_in_no_local_or_tooling_library(handler: str) -> None:
    module = handler.rpartition(".")[0]
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert offenders == []
