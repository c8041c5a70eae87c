from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from client.auth import CognitoAuth
from client.cli import build_variables, main, parse_var
from client.errors import UGCError
from client.outputs import AmplifyOutputs

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("limit=10", ("limit", 10)),
        ("ratio=0.5", ("ratio", 0.5)),
        ("isPrivate=true", ("isPrivate", True)),
        ("nextToken=null", ("nextToken", None)),
        ('input={"color": "red"}', ("input", {"color": "red"})),
        ("ids=[1, 2]", ("ids", [1, 2])),
        ("username=alice", ("username", "alice")),
        ('username="42"', ("username", "42")),
        ("query=a=b", ("query", "a=b")),
        ("empty=", ("empty", "")),
    ],
)
def test_var_values_are_json_when_they_parse_else_strings(assignment: str, expected: tuple[str, Any]) -> None:
    assert parse_var(assignment) == expected


@pytest.mark.parametrize("assignment", ["novalue", "=value"])
def test_a_var_without_name_and_value_is_a_usage_error(assignment: str) -> None:
    with pytest.raises(UGCError, match="NAME=VALUE"):
        parse_var(assignment)


def test_var_flags_override_vars_json() -> None:
    # GIVEN both a JSON object and --var flags WHEN merged THEN later --var flags win
    assert build_variables(["limit=5", "extra=x"], '{"limit": 1, "keep": true}') == {
        "limit": 5,
        "keep": True,
        "extra": "x",
    }
    assert build_variables([], None) is None


def test_query_prints_the_pretty_body_and_exits_0(outputs_file: Path, appsync: Any, capsys: Any) -> None:
    # GIVEN AppSync answers with data
    appsync.reply.body = {"data": {"liveChannels": {"items": [], "nextToken": None}}}

    # WHEN `ugc query` runs with variables and nobody signed in
    document = (
        "query L($limit: Int, $nextToken: String) "
        "{ liveChannels(limit: $limit, nextToken: $nextToken) { items { id } nextToken } }"
    )
    code = main(["query", document, "--var", "limit=10", "--vars-json", '{"nextToken": "abc"}'])

    # THEN it prints the whole body as indented JSON and exits 0
    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out) == appsync.reply.body
    assert out.startswith('{\n  "data"')
    assert err == ""
    # AND the variables were typed, and the API key was used because nobody is signed in
    assert appsync.last.json()["variables"] == {"limit": 10, "nextToken": "abc"}
    assert appsync.last.headers["x-api-key"] == appsync.outputs["data"]["api_key"]


def test_query_with_graphql_errors_prints_the_body_and_exits_1(outputs_file: Path, appsync: Any, capsys: Any) -> None:
    # GIVEN AppSync answers with an error
    appsync.reply.body = {
        "data": None,
        "errors": [{"errorType": "ValidationError", "message": "limit: at most 50", "path": ["liveChannels"]}],
    }

    # WHEN `ugc query` runs
    code = main(["query", "{ liveChannels(limit: 99) { items { id } } }", "--api-key"])

    # THEN the body is still printed, a one-line summary goes to stderr, and the exit code is 1
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out) == appsync.reply.body
    assert err == "ugc: ValidationError: limit: at most 50\n"


def test_query_refused_with_401_exits_2_with_one_line(outputs_file: Path, appsync: Any, capsys: Any) -> None:
    # GIVEN AppSync refuses the caller
    appsync.reply.status = 401
    appsync.reply.body = {
        "errors": [{"errorType": "UnauthorizedException", "message": "Valid authorization header not provided."}]
    }

    # WHEN `ugc query` runs THEN exit 2, nothing on stdout, one line on stderr
    code = main(["query", "{ me { id } }", "--api-key"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == "ugc: HTTP 401: UnauthorizedException: Valid authorization header not provided.\n"


def test_login_then_query_runs_as_the_last_signed_in_user(
    outputs_file: Path, cognito: Any, appsync: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN alice logs in with the password from the environment
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)
    assert main(["login", "alice"]) == 0
    out, _ = capsys.readouterr()
    assert "Signed in as alice" in out
    assert cognito.user_pool_id in out
    assert "valid until" in out

    # WHEN a query runs with no identity flag
    assert main(["query", "{ me { id } }"]) == 0

    # THEN alice's cached id token authenticated it
    outputs = AmplifyOutputs.from_dict(appsync.outputs)
    assert appsync.last.headers["Authorization"] == CognitoAuth(outputs).token_for("alice")


def test_login_reads_the_password_from_stdin(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a password piped in (as scripts do)
    monkeypatch.setattr(sys, "stdin", io.StringIO(cognito.password + "\n"))

    # WHEN login runs with --password-stdin THEN alice is signed in
    assert main(["login", "alice", "--password-stdin"]) == 0
    assert "Signed in as alice" in capsys.readouterr().out


def test_login_with_a_wrong_password_exits_2_with_cognitos_message(
    outputs_file: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-password\n"))
    code = main(["login", "alice", "--password-stdin"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1
    assert "Incorrect username or password" in err


def test_query_as_a_user_who_never_logged_in_exits_2(outputs_file: Path, appsync: Any, capsys: Any) -> None:
    code = main(["query", "{ me { id } }", "--as", "bob"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "run `ugc login bob`" in err
    assert appsync.requests == []


def test_logout_forgets_the_user(
    outputs_file: Path, cognito: Any, appsync: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN alice logged in
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)
    main(["login", "alice"])

    # WHEN she logs out
    assert main(["logout", "alice"]) == 0
    assert "Signed out alice." in capsys.readouterr().out

    # THEN queries fall back to the API key, and `--as alice` asks her to log in
    assert main(["query", "{ ok }"]) == 0
    assert "x-api-key" in appsync.last.headers
    assert main(["query", "{ ok }", "--as", "alice"]) == 2


def test_query_with_iam_signs_with_the_local_credentials(outputs_file: Path, appsync: Any) -> None:
    # GIVEN the local stack's outputs WHEN `ugc query --iam` runs THEN its access key signed the request
    assert main(["query", "{ ok }", "--iam"]) == 0
    access_key = appsync.outputs["custom"]["ugc"]["aws_credentials"]["access_key_id"]
    assert appsync.last.headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={access_key}/")


def test_outputs_can_be_given_as_a_url(
    tmp_path: Path, outputs_file: Path, appsync: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a working directory without amplify_outputs.json, and the stack serving it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    # WHEN --outputs names its URL THEN the query reaches the stack
    assert main(["--outputs", f"{appsync.base_url}/amplify_outputs.json", "query", "{ ok }", "--api-key"]) == 0
    assert json.loads(capsys.readouterr().out) == {"data": {"ok": True}}


def test_missing_outputs_exit_2_with_a_hint(capsys: Any) -> None:
    # GIVEN no amplify_outputs.json and no UGC_OUTPUTS WHEN a query runs THEN exit 2 with what to do
    code = main(["query", "{ ok }"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "ugc dev" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["query"],
        ["query", "{ ok }", "--api-key", "--iam"],
        ["query", "{ ok }", "--var", "oops"],
        ["query", "{ ok }", "--vars-json", "[1]"],
        ["query", "{ ok "],
        ["bogus"],
    ],
)
def test_usage_errors_exit_2(outputs_file: Path, appsync: Any, argv: list[str], capsys: Any) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err
    assert appsync.requests == []


def test_dev_hands_every_argument_to_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the local stack's entry point (replaced here by a recorder)
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 0

    fake = types.ModuleType("emulator.dev")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "emulator.dev", fake)

    # WHEN `ugc dev` runs with options of its own, even ones ugc also knows
    code = main(["--outputs", "x.json", "dev", "--port", "9000", "--help", "seed"])

    # THEN they all reach it untouched
    assert code == 0
    assert received == [["--port", "9000", "--help", "seed"]]


def test_dev_without_the_local_stack_installed_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # GIVEN an installation without the emulator (None in sys.modules makes its import fail)
    monkeypatch.setitem(sys.modules, "emulator.dev", None)

    # WHEN `ugc dev` runs THEN it says so in one line
    assert main(["dev"]) == 2
    assert capsys.readouterr().err == "ugc: the local stack (emulator.dev) is not part of this installation\n"


def test_help_is_fast_because_it_imports_no_sdk_dependencies() -> None:
    # GIVEN a fresh interpreter WHEN `ugc --help` runs THEN gql, boto3 and requests were never imported
    script = (
        "import sys\n"
        "from client.cli import main\n"
        "code = main(['--help'])\n"
        "heavy = sorted(m for m in ('gql', 'boto3', 'botocore', 'requests', 'graphql') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert "HEAVY [] 0" in result.stdout
    for command in ("login", "query", "signup", "confirm", "resend-code", "reset-password", "codes"):
        assert command in result.stdout


def test_outputs_flag_beats_the_variable_which_beats_the_working_directory(
    tmp_path: Path, outputs_file: Path, appsync: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an amplify_outputs.json in the working directory, and UGC_OUTPUTS naming another stack's file
    other = tmp_path / "other-stack.json"
    monkeypatch.setenv("UGC_OUTPUTS", str(other))
    # WHEN a command runs without --outputs THEN it uses the variable's file (here: missing), not the local one
    assert main(["query", "{ ok }", "--api-key"]) == 2
    assert str(other) in capsys.readouterr().err
    assert appsync.requests == []
    # WHEN --outputs is given THEN it wins over the variable
    assert main(["--outputs", str(outputs_file), "query", "{ ok }", "--api-key"]) == 0
    assert json.loads(capsys.readouterr().out) == {"data": {"ok": True}}
