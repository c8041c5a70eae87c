"""The `ugc` command: start the local stack, sign in, and run GraphQL operations from a shell.

Exit codes: 0 success; 1 the server answered with GraphQL errors (the body is still printed) or
failed with an HTTP error; 2 usage, configuration, connection or authentication problems (one line
on stderr), meaning the command, the setup or the sign-in needs fixing rather than the operation.

Only the standard library is imported at module level; each command imports what it needs, so
`ugc --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from client.errors import ConfigError, GraphQLErrors, HttpError, UGCError, UnauthorizedError

if TYPE_CHECKING:
    from client.outputs import AmplifyOutputs
    from client.sdk import UGCClient

EXIT_OK = 0
EXIT_GRAPHQL_ERRORS = 1
EXIT_USAGE = 2
PASSWORD_ENV = "UGC_PASSWORD"  # noqa: S105 - the name of the variable, not a password
# Commands whose arguments belong to another program and must reach it untouched.
PASSTHROUGH_COMMANDS = frozenset({"dev"})


class UsageError(UGCError):
    """The command line is well-formed for argparse but its values are not usable."""


def parse_var(assignment: str) -> tuple[str, Any]:
    """`k=v` → (k, v), v parsed as JSON when it is JSON (numbers, booleans, null, objects), else a string."""
    name, sep, text = assignment.partition("=")
    if not sep or not name:
        raise UsageError(f"--var expects NAME=VALUE, got {assignment!r}")
    try:
        return name, json.loads(text)
    except ValueError:
        return name, text


def build_variables(pairs: Sequence[str], vars_json: str | None) -> dict[str, Any] | None:
    """`--vars-json` first, then each `--var` on top of it (later ones win)."""
    variables: dict[str, Any] = {}
    if vars_json is not None:
        try:
            loaded = json.loads(vars_json)
        except ValueError as exc:
            raise UsageError(f"--vars-json is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise UsageError("--vars-json must be a JSON object")
        variables.update(loaded)
    variables.update(parse_var(pair) for pair in pairs)
    return variables or None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ugc", description="UGC live-streaming API: local stack and client.")
    parser.add_argument(
        "--outputs",
        metavar="PATH_OR_URL",
        help="amplify_outputs.json to use (default: ./amplify_outputs.json, else $UGC_OUTPUTS)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "dev",
        add_help=False,
        help="start the local stack (local AppSync + local AWS); arguments go to it unchanged",
    )

    login = commands.add_parser("login", help="sign in with Cognito and cache the session")
    login.add_argument("username")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from stdin (else ${PASSWORD_ENV}, else a prompt)",
    )

    logout = commands.add_parser("logout", help="forget a cached session and revoke its refresh token")
    logout.add_argument("username")

    query = commands.add_parser(
        "query",
        help="run a query or mutation and print the JSON response",
        description="Run a GraphQL operation and print the response. Default identity: the user who "
        "ran `ugc login` most recently, else the API key.",
    )
    query.add_argument("query", help="the GraphQL document, or - to read it from stdin")
    query.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable; VALUE is parsed as JSON when it is JSON (42, true, null, {...}), else a string",
    )
    query.add_argument("--vars-json", metavar="JSON", help="variables as a JSON object (--var wins)")
    query.add_argument("--operation", metavar="NAME", help="operation to run in a multi-operation document")
    identity = query.add_mutually_exclusive_group()
    identity.add_argument("--as", dest="as_user", metavar="USERNAME", help="as this signed-in user")
    identity.add_argument("--api-key", action="store_true", help="anonymously, with the API key")
    identity.add_argument("--iam", action="store_true", help="IAM-signed, as the back-end publishers")
    return parser


def _split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """Cut the arguments of pass-through commands off before argparse sees them.

    argparse's REMAINDER cannot capture an option-like first argument (`ugc dev --port 9000`), so
    everything after the command word is split off here instead.
    """
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in PASSTHROUGH_COMMANDS:
            return argv[: index + 1], argv[index + 1 :]
        if arg == "--outputs":
            index += 2
        elif arg.startswith("-"):
            index += 1
        else:
            break  # another command: argparse handles all of it
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    head, passthrough = _split_passthrough(list(sys.argv[1:] if argv is None else argv))
    try:
        args = _parser().parse_args(head)
    except SystemExit as exc:  # argparse exits on --help and on usage errors; return the code instead
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.WARNING, format="ugc: %(message)s")
    try:
        if args.command == "dev":
            return _dev(passthrough)
        if args.command == "login":
            return _login(args)
        if args.command == "logout":
            return _logout(args)
        return _query(args)
    except UnauthorizedError as exc:
        return _fail(exc)
    except HttpError as exc:
        # A server-side failure rather than a problem with the command: show what the server said.
        if exc.body is not None:
            _print_json(exc.body)
        return _fail(exc, EXIT_GRAPHQL_ERRORS)
    except UGCError as exc:  # configuration, sign-in, usage, connection: the command needs fixing
        return _fail(exc)
    except KeyboardInterrupt:
        return 130


def _fail(exc: BaseException, code: int = EXIT_USAGE) -> int:
    print(f"ugc: {' '.join(str(exc).split())}", file=sys.stderr)
    return code


def _print_json(body: Any) -> None:
    print(json.dumps(body, indent=2, ensure_ascii=False))


def _load_outputs(args: argparse.Namespace) -> AmplifyOutputs:
    from client.outputs import default_location, load_outputs

    return load_outputs(args.outputs or default_location())


def _dev(rest: list[str]) -> int:
    try:
        from emulator.dev import main as dev_main
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("emulator"):
            raise ConfigError("the local stack (emulator.dev) is not part of this installation") from exc
        raise ConfigError(
            f"`ugc dev` needs the local extras (missing module {exc.name}); "
            "install them with: pip install 'ugc-live[local]'"
        ) from exc
    return int(dev_main(rest) or 0)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    else:
        import getpass

        password = getpass.getpass(f"Password for {args.username}: ")
    if not password:
        raise UsageError("an empty password was given")
    return password


def _login(args: argparse.Namespace) -> int:
    from client.auth import CognitoAuth

    outputs = _load_outputs(args)
    password = _read_password(args)
    session = CognitoAuth(outputs).sign_in(args.username, password)
    email = session.claims().get("email")
    who = f"{session.username} <{email}>" if email else session.username
    stage = f" ({outputs.ugc.stage} stack)" if outputs.ugc else ""
    expires = session.tokens.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"Signed in as {who} to user pool {outputs.auth.user_pool_id}{stage}.")
    print(f"Tokens valid until {expires}; ugc refreshes them until the session ends or `ugc logout`.")
    return EXIT_OK


def _logout(args: argparse.Namespace) -> int:
    from client.auth import CognitoAuth

    if CognitoAuth(_load_outputs(args)).sign_out(args.username):
        print(f"Signed out {args.username}.")
    else:
        print(f"{args.username} was not signed in.")
    return EXIT_OK


def _client_for(args: argparse.Namespace, outputs: AmplifyOutputs) -> UGCClient:
    from client.sdk import UGCClient

    if args.api_key:
        return UGCClient.anonymous(outputs)
    if args.iam:
        return UGCClient.with_iam(outputs)
    if args.as_user:
        return UGCClient.for_user(outputs, args.as_user)
    from client.auth import CognitoAuth

    last_user = CognitoAuth(outputs).last_user()
    return UGCClient.for_user(outputs, last_user) if last_user else UGCClient.anonymous(outputs)


def _query(args: argparse.Namespace) -> int:
    document = sys.stdin.read() if args.query == "-" else args.query
    variables = build_variables(args.var, args.vars_json)
    outputs = _load_outputs(args)
    with _client_for(args, outputs) as client:
        body = client.execute_raw(document, variables, args.operation)
    _print_json(body)
    if body.get("errors"):
        # Same summary the SDK raises, so scripts see what went wrong without parsing the JSON.
        return _fail(GraphQLErrors(body["errors"], body.get("data")), EXIT_GRAPHQL_ERRORS)
    return EXIT_OK
