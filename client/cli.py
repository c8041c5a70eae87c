"""The `ugc` command: start the local stack, sign in, and run GraphQL operations from a shell.

Exit codes: 0 success; 1 the service refused the operation: the server answered with GraphQL
errors (the body is still printed) or an HTTP error, or Cognito refused an account request (sign-up,
confirmation, password reset; its reason on stderr), or `ugc codes --code-only` found no code;
2 usage, configuration, connection or authentication problems (one line on stderr), meaning the
command, the setup or the sign-in needs fixing rather than the operation.

Only the standard library is imported at module level; each command imports what it needs, so
`ugc --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.errors import CognitoRefused, ConfigError, GraphQLErrors, HttpError, UGCError, UnauthorizedError

if TYPE_CHECKING:
    from client.accounts import CodeDelivery
    from client.outbox import Mail
    from client.outputs import AmplifyOutputs
    from client.sdk import UGCClient

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_GRAPHQL_ERRORS = EXIT_REFUSED
EXIT_USAGE = 2
# How many messages `ugc codes` shows: a user's newest one, or the newest few of everyone.
CODES_FOR_USER = 1
CODES_FOR_ALL = 10
PASSWORD_ENV = "UGC_PASSWORD"  # noqa: S105 - the name of the variable, not a password
# Commands whose arguments belong to another program and must reach it untouched.
PASSTHROUGH_COMMANDS = frozenset({"dev", "simulate"})
# `client.realtime.PROTOCOLS`, repeated so `ugc --help` need not import gql (a test checks they agree).
WATCH_PROTOCOLS = ("appsync", "graphql-transport-ws")


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
        help="amplify_outputs.json to use, a path or URL (default: $UGC_OUTPUTS, else ./amplify_outputs.json)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "dev",
        add_help=False,
        help="start the local stack (local AppSync + local AWS); arguments go to it unchanged",
    )
    commands.add_parser(
        "simulate",
        add_help=False,
        help="play live streams on the local stack: `ugc simulate stream USERNAME`, `ugc simulate replay FILE`",
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

    _account_commands(commands)

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

    trust = commands.add_parser(
        "trust",
        help="how to trust the local stack's CA (https:// and wss:// on the GraphQL port)",
        description="Print the steps that make Node, the system and browsers trust the local stack's CA.",
    )
    trust.add_argument("--node", action="store_true", help="print only the NODE_EXTRA_CA_CERTS export line")

    deployed = commands.add_parser(
        "outputs",
        help="write amplify_outputs.json for a deployed stage, from its CloudFormation outputs",
        description="Reads the outputs of the stack UGC-<stage> (AWS credentials from the usual places) and "
        "writes the client configuration in the format the local stack writes, so clients switch by file.",
    )
    deployed.add_argument("--stage", default="dev", help="the deployed stage (default dev)")
    deployed.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    deployed.add_argument(
        "--file", default="amplify_outputs.json", help="where to write (default: ./amplify_outputs.json)"
    )

    watch = commands.add_parser(
        "watch",
        help="a live stream-health dashboard of your channel, updated by subscriptions",
        description="Charts of ingest bitrate, frame rate, viewers and keyframe interval, and the stream "
        "events, pushed by the API while USERNAME streams. Only the channel's owner may watch: sign in "
        "first with `ugc login USERNAME`. Ctrl+C exits.",
    )
    watch.add_argument("username")
    watch.add_argument(
        "--protocol",
        choices=WATCH_PROTOCOLS,
        default=WATCH_PROTOCOLS[0],
        help="the WebSocket protocol: AppSync's real-time one (default; what AWS AppSync serves) or "
        "graphql-transport-ws (the local AppSync only)",
    )
    return parser


def _add_password_stdin(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the {what} from stdin (else ${PASSWORD_ENV}, else a prompt, twice)",
    )


def _account_commands(commands: Any) -> None:
    signup = commands.add_parser(
        "signup",
        help="create a Cognito account (then confirm it with the e-mailed code)",
        description="Sign up to the user pool. The pool's sign-up rules run on Cognito's side; on the "
        "local stack the confirmation e-mail lands in the outbox (`ugc codes USERNAME`).",
    )
    signup.add_argument("username")
    signup.add_argument("--email", required=True, help="where the confirmation code is sent")
    _add_password_stdin(signup, "password")

    confirm = commands.add_parser("confirm", help="confirm a sign-up with the e-mailed code")
    confirm.add_argument("username")
    confirm.add_argument("code")

    resend = commands.add_parser("resend-code", help="send a new sign-up confirmation code")
    resend.add_argument("username")

    reset = commands.add_parser(
        "reset-password",
        help="send a password-reset code, or (with --code) set the new password",
        description="Without --code: ask Cognito to send a reset code. With --code: set a new password.",
    )
    reset.add_argument("username")
    reset.add_argument("--code", help="the reset code that was sent; sets the new password")
    _add_password_stdin(reset, "new password")

    codes = commands.add_parser(
        "codes",
        help="show the newest e-mails of the local stack (confirmation and reset codes)",
        description="The local stack sends no e-mail: it keeps each message in an outbox. This shows "
        f"the newest message of USERNAME (or of an e-mail address), else the newest {CODES_FOR_ALL} of everyone.",
    )
    verify = commands.add_parser(
        "verify-playback-token",
        help="check a private channel's playback token against the local IVS's imported playback keys",
        description="Prints the token's claims, then `valid for channel ARN` (exit 0) or why IVS would "
        "refuse it (exit 1). Local stack only: IVS's API never returns the public keys.",
    )
    verify.add_argument("token", metavar="TOKEN", help="the JWT (createPlaybackToken's token)")
    codes.add_argument("user", nargs="?", metavar="USERNAME", help="a username, or an e-mail address")
    codes.add_argument("-n", "--last", type=int, metavar="N", help="how many messages to show")
    codes.add_argument(
        "--code-only",
        action="store_true",
        help="print only the newest code (for scripts: `ugc confirm alice $(ugc codes alice --code-only)`)",
    )


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
        if args.command == "simulate":
            return _simulate(args, passthrough)
        if args.command == "login":
            return _login(args)
        if args.command == "logout":
            return _logout(args)
        if args.command in ACCOUNT_COMMANDS:
            return ACCOUNT_COMMANDS[args.command](args)
        if args.command == "watch":
            return _watch(args)
        if args.command == "outputs":
            return _outputs(args)
        if args.command == "verify-playback-token":
            return _verify_playback_token(args)
        if args.command == "trust":
            return _trust(args)
        return _query(args)
    except CognitoRefused as exc:
        return _fail(exc, EXIT_REFUSED)
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


def _outputs(args: argparse.Namespace) -> int:
    import pathlib

    import boto3

    from client.deployed import outputs_from_stack

    document = outputs_from_stack(args.stage, boto3.client("cloudformation", region_name=args.region))
    pathlib.Path(args.file).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {args.file} for stage {args.stage}: {document['data']['url']}")
    return 0


# Where Firefox keeps its profiles (each with its own NSS certificate store): Linux, Linux's snap, macOS.
FIREFOX_PROFILE_ROOTS = (
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    "Library/Application Support/Firefox/Profiles",
)


def _firefox_profiles(home: Path) -> list[Path]:
    return sorted({db.parent for root in FIREFOX_PROFILE_ROOTS for db in (home / root).glob("*/cert9.db")})


def _trust(args: argparse.Namespace) -> int:
    outputs = _load_outputs(args)
    ca = outputs.ugc.ca_certificate if outputs.ugc else None
    if not ca:
        raise ConfigError(f"{outputs.source} names no local CA (custom.ugc.ca_certificate): is it the local stack's?")
    if not Path(ca).is_file():
        raise ConfigError(f"the local CA {ca} (named by {outputs.source}) does not exist: `ugc dev` makes it")
    quoted = shlex.quote(ca)
    if args.node:
        print(f"export NODE_EXTRA_CA_CERTS={quoted}")
        return EXIT_OK

    def nss(store: str) -> str:
        """NSS's certutil (Debian: apt install libnss3-tools) adding the CA to one certificate store."""
        return f"certutil -d sql:{store} -A -t C,, -n ugc-live-local -i {quoted}"

    firefox = [nss(shlex.quote(str(p))) for p in _firefox_profiles(Path.home())] or [
        "Settings > Privacy & Security > Certificates > View Certificates >",
        f"  Authorities > Import, then {ca}",
    ]
    print(
        f"""The local stack serves https:// and wss:// on its GraphQL port, signed by its local CA:
  {ca}
Trust it once (it stays the same across restarts; delete the data folder to make a new one):

  Node (Amplify, Apollo, scripts)   export NODE_EXTRA_CA_CERTS={quoted}
                                    (or: eval "$(ugc trust --node)")
  Debian / Ubuntu (curl, system)    sudo cp {quoted} /usr/local/share/ca-certificates/ugc-live-local.crt \\
                                      && sudo update-ca-certificates
  Chrome / Chromium on Linux        {nss("$HOME/.pki/nssdb")}
  macOS (Safari, Chrome)            sudo security add-trusted-cert -d -r trustRoot \\
                                      -k /Library/Keychains/System.keychain {quoted}
  Windows (Edge, Chrome)            certutil -addstore -f Root "{ca}"
  Firefox (each profile)            """
        + "\n                                    ".join(firefox)
    )
    return EXIT_OK


def _verify_playback_token(args: argparse.Namespace) -> int:
    from client.playback import InvalidPlaybackToken, local_playback_keys, unverified_claims, verify_playback_token

    keys = local_playback_keys(_load_outputs(args))
    try:
        _print_json(unverified_claims(args.token))
        verified = verify_playback_token(args.token, keys)
    except InvalidPlaybackToken as exc:
        print(f"invalid: {exc}")
        return EXIT_REFUSED
    print(f"valid for channel {verified.channel_arn} (signed with {verified.key_pair_arn})")
    return EXIT_OK


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


def _simulate(args: argparse.Namespace, rest: list[str]) -> int:
    try:
        from emulator.simulator.cli import main as simulate_main
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith("emulator"):
            raise ConfigError("the stream simulator (emulator.simulator) is not part of this installation") from exc
        raise ConfigError(
            f"`ugc simulate` needs the local extras (missing module {exc.name}); "
            "install them with: pip install 'ugc-live[local]'"
        ) from exc
    return simulate_main(rest, args.outputs)


def _read_password(args: argparse.Namespace, *, prompt: str | None = None, repeat: bool = False) -> str:
    """From stdin, else $UGC_PASSWORD, else a prompt; a new password is prompted twice (`repeat`),
    because a typo in it would lock the user out of the account it creates or resets."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    else:
        import getpass

        password = getpass.getpass(prompt or f"Password for {args.username}: ")
        if password and repeat and getpass.getpass("Repeat it: ") != password:
            raise UsageError("the passwords do not match")
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


def _watch(args: argparse.Namespace) -> int:
    try:
        from client import watch
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"`ugc watch` needs the local extras (missing module {exc.name}); "
            "install them with: pip install 'ugc-live[local]'"
        ) from exc
    from client.sdk import UGCClient

    outputs = _load_outputs(args)
    with UGCClient.for_user(outputs, args.username) as client:
        watch.run(client, args.username, protocol=args.protocol)
    return EXIT_OK


def _code_hint(outputs: AmplifyOutputs, username: str, then: str) -> str:
    """Where the user finds the code that was just sent, and what to run with it."""
    if outputs.aws_endpoint_url:
        return f"The local stack sends no e-mail: see the code with `ugc codes {username}`, then run `{then}`."
    return f"Run `{then}` with the code from the message."


def _sent_to(delivery: CodeDelivery | None) -> str:
    return f"to {delivery}" if delivery else "by Cognito"


def _signup(args: argparse.Namespace) -> int:
    from client.accounts import CognitoAccounts

    outputs = _load_outputs(args)
    password = _read_password(args, prompt=f"New password for {args.username}: ", repeat=True)
    result = CognitoAccounts(outputs).sign_up(args.username, args.email, password)
    if result.user_confirmed:
        print(f"Signed up {args.username}; the account is already confirmed.")
        print(f"Sign in with `ugc login {args.username}`.")
        return EXIT_OK
    print(f"Signed up {args.username}; confirm the account with the code sent {_sent_to(result.delivery)}.")
    print(_code_hint(outputs, args.username, f"ugc confirm {args.username} CODE"))
    return EXIT_OK


def _confirm(args: argparse.Namespace) -> int:
    from client.accounts import CognitoAccounts

    CognitoAccounts(_load_outputs(args)).confirm_sign_up(args.username, args.code)
    print(f"Confirmed {args.username}; sign in with `ugc login {args.username}`.")
    return EXIT_OK


def _resend_code(args: argparse.Namespace) -> int:
    from client.accounts import CognitoAccounts

    outputs = _load_outputs(args)
    delivery = CognitoAccounts(outputs).resend_code(args.username)
    print(f"Sent a new confirmation code {_sent_to(delivery)}; earlier codes no longer work.")
    print(_code_hint(outputs, args.username, f"ugc confirm {args.username} CODE"))
    return EXIT_OK


def _reset_password(args: argparse.Namespace) -> int:
    from client.accounts import CognitoAccounts

    outputs = _load_outputs(args)
    accounts = CognitoAccounts(outputs)
    if args.code is None:
        delivery = accounts.forgot_password(args.username)
        print(f"Sent a password reset code for {args.username} {_sent_to(delivery)}.")
        print(_code_hint(outputs, args.username, f"ugc reset-password {args.username} --code CODE"))
        return EXIT_OK
    password = _read_password(args, prompt=f"New password for {args.username}: ", repeat=True)
    accounts.confirm_forgot_password(args.username, args.code, password)
    print(f"Changed the password of {args.username}; sign in with `ugc login {args.username}`.")
    return EXIT_OK


def _codes(args: argparse.Namespace) -> int:
    from client.outbox import local_outbox

    if args.last is not None and args.last < 1:
        raise UsageError("--last must be at least 1")
    user: str | None = args.user
    by_email = user is not None and "@" in user  # usernames cannot hold "@"; e-mail addresses must
    mails = local_outbox(_load_outputs(args), username=None if by_email else user, email=user if by_email else None)
    who = f" for {user}" if user else ""
    if args.code_only:
        code = next((mail.code for mail in reversed(mails) if mail.code), None)
        if code is None:
            # Like grep: nothing found is a failure a script can test, with the reason for a human.
            print(f"ugc: no code in the local outbox{who}", file=sys.stderr)
            return EXIT_REFUSED
        print(code)
        return EXIT_OK
    if not mails:
        print(f"No messages in the local outbox{who}.")
        return EXIT_OK
    shown = mails[-(args.last or (CODES_FOR_USER if user else CODES_FOR_ALL)) :]
    print("\n\n".join(_describe_mail(mail) for mail in shown))
    return EXIT_OK


def _describe_mail(mail: Mail) -> str:
    """A few aligned lines: when, to whom and why, then the code and the link (or the first line)."""
    recipient = f"{mail.username} <{mail.to}>" if mail.username else mail.to
    lines = [f"{mail.time:%Y-%m-%d %H:%M:%S} UTC  {recipient}  {mail.trigger_source or ''}".rstrip()]
    if mail.subject:
        lines.append(f"  subject: {mail.subject}")
    if mail.code:
        lines.append(f"  code:    {mail.code}")
    if mail.link:
        lines.append(f"  link:    {mail.link}")
    elif mail.first_line:
        lines.append(f"  message: {mail.first_line[:120]}")
    return "\n".join(lines)


ACCOUNT_COMMANDS = {
    "signup": _signup,
    "confirm": _confirm,
    "resend-code": _resend_code,
    "reset-password": _reset_password,
    "codes": _codes,
}
