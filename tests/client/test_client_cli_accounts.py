from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

from client.cli import main
from tests.client.conftest import use_stack

NEW_PASSWORD = "N3w-Batt3ry-Staple!"
USERNAME_RULE = "username: must be 4-20 characters of a-z, 0-9, '.' and '_'"
RESET_HTML = (
    "<p>Hello alice,</p>"
    '<p><a href="http://localhost:3000/reset?username=alice&amp;code=987654">Choose a new password</a></p>'
)


def typed_passwords(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Answer getpass's prompts in order (the terminal the CLI would read from); returns the prompts."""
    import getpass

    prompts: list[str] = []
    replies = iter(answers)

    def fake_getpass(prompt: str = "Password: ", stream: Any = None) -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return prompts


def test_signup_then_confirm_then_login_on_the_local_stack(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a script with the password in the environment
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)

    # WHEN bob signs up
    code = main(["signup", "bob", "--email", "bob@example.com"])

    # THEN he is told to confirm, and on the local stack where the code is and what to run with it
    out, err = capsys.readouterr()
    assert code == 0
    assert "ugc:" not in err  # only the local AWS's own mail log, which shares this process
    assert "Signed up bob; confirm the account with the code sent" in out
    assert "`ugc codes bob`" in out
    assert "`ugc confirm bob CODE`" in out

    # WHEN he confirms with the code from the local outbox THEN he is told how to sign in, and can
    assert main(["codes", "bob", "--code-only"]) == 0
    code = capsys.readouterr().out.strip()
    assert main(["confirm", "bob", code]) == 0
    assert capsys.readouterr().out == "Confirmed bob; sign in with `ugc login bob`.\n"
    assert main(["login", "bob"]) == 0
    assert "Signed in as bob" in capsys.readouterr().out


def test_signup_reads_the_password_from_stdin(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a password piped in WHEN bob signs up with --password-stdin THEN it is his password
    monkeypatch.setattr(sys, "stdin", io.StringIO(cognito.password + "\n"))
    assert main(["signup", "bob", "--email", "bob@example.com", "--password-stdin"]) == 0
    cognito.admin.admin_confirm_sign_up(UserPoolId=cognito.user_pool_id, Username="bob")
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)
    assert main(["login", "bob"]) == 0


def test_signup_asks_for_the_password_twice(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a terminal where the password is typed twice alike
    prompts = typed_passwords(monkeypatch, cognito.password, cognito.password)

    # WHEN bob signs up THEN both prompts were shown and the account exists
    assert main(["signup", "bob", "--email", "bob@example.com"]) == 0
    assert prompts == ["New password for bob: ", "Repeat it: "]
    user = cognito.admin.admin_get_user(UserPoolId=cognito.user_pool_id, Username="bob")
    assert user["UserStatus"] == "UNCONFIRMED"


def test_signup_with_mistyped_passwords_exits_2_and_creates_nothing(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the two typed passwords differ
    typed_passwords(monkeypatch, cognito.password, cognito.password + "x")

    # WHEN bob signs up THEN it is a usage error and Cognito was never asked
    assert main(["signup", "bob", "--email", "bob@example.com"]) == 2
    assert capsys.readouterr().err == "ugc: the passwords do not match\n"
    users = cognito.admin.list_users(UserPoolId=cognito.user_pool_id)["Users"]
    assert [u["Username"] for u in users] == ["alice"]


def test_signup_of_a_taken_username_exits_1_with_cognitos_reason(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN alice exists WHEN someone signs up as alice THEN Cognito's refusal is one line, exit 1
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)
    assert main(["signup", "alice", "--email", "x@example.com"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("ugc: sign-up failed for alice: ")
    assert err.endswith("(UsernameExistsException)\n")
    assert err.count("\n") == 1


def test_signup_refused_by_the_pre_sign_up_trigger_shows_only_its_reason(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a local Cognito whose PreSignUp trigger refuses the username
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.cognito["SignUp"] = (
        400,
        {"__type": "UserLambdaValidationException", "message": f"PreSignUp failed with error {USERNAME_RULE}."},
    )
    monkeypatch.setenv("UGC_PASSWORD", "Corr3ct-Horse!")

    # WHEN someone signs up with that username
    code = main(["signup", "Bad!", "--email", "bad@example.com"])

    # THEN exit 1 with the trigger's reason, without Cognito's wrapper
    assert code == 1
    assert capsys.readouterr().err == f"ugc: sign-up refused for Bad!: {USERNAME_RULE}\n"
    # AND the request carried the username, the e-mail attribute and the app client
    operation, body = fake_aws.cognito_calls[-1]
    assert operation == "SignUp"
    assert body["Username"] == "Bad!"
    assert body["ClientId"] == outputs_doc["auth"]["user_pool_client_id"]
    assert body["UserAttributes"] == [{"Name": "email", "Value": "bad@example.com"}]


def test_signup_when_the_pool_confirms_at_once_says_to_log_in(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a stack that auto-verifies sign-ups
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.cognito["SignUp"] = (200, {"UserConfirmed": True, "UserSub": "sub-bob"})
    monkeypatch.setenv("UGC_PASSWORD", "Corr3ct-Horse!")

    # WHEN bob signs up THEN no code is mentioned, only how to sign in
    assert main(["signup", "bob", "--email", "bob@example.com"]) == 0
    out = capsys.readouterr().out
    assert out == "Signed up bob; the account is already confirmed.\nSign in with `ugc login bob`.\n"


def test_signup_on_a_deployed_stack_points_to_the_mailbox(
    tmp_path: Path, outputs_doc: dict[str, Any], cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deployed stack's outputs (standing in for AWS: the local Cognito via boto3's own setting)
    use_stack(tmp_path, outputs_doc, None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", cognito.endpoint_url)
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)

    # WHEN bob signs up THEN he is sent to his e-mail, not to the local outbox
    assert main(["signup", "bob", "--email", "bob@example.com"]) == 0
    out = capsys.readouterr().out
    assert "Run `ugc confirm bob CODE` with the code from the message." in out
    assert "ugc codes" not in out


def test_confirm_of_an_unknown_user_exits_1(outputs_file: Path, capsys: Any) -> None:
    assert main(["confirm", "nobody", "123456"]) == 1
    assert "(UserNotFoundException)" in capsys.readouterr().err


def test_resend_code_says_where_it_went_and_where_to_find_it(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    # GIVEN a local Cognito that resends codes (moto lacks ResendConfirmationCode)
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.cognito["ResendConfirmationCode"] = (
        200,
        {"CodeDeliveryDetails": {"Destination": "b***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
    )

    # WHEN bob asks for a new code THEN the masked address and the outbox command are printed
    assert main(["resend-code", "bob"]) == 0
    assert capsys.readouterr().out == (
        "Sent a new confirmation code to b***@e*** (email); earlier codes no longer work.\n"
        "The local stack sends no e-mail: see the code with `ugc codes bob`, then run `ugc confirm bob CODE`.\n"
    )
    assert fake_aws.cognito_calls[-1][0] == "ResendConfirmationCode"


def test_reset_password_sends_a_code_then_sets_the_new_password(
    outputs_file: Path, cognito: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN alice forgot her password
    # WHEN she asks for a reset
    assert main(["reset-password", "alice"]) == 0

    # THEN she is told where the code is and how to use it
    out = capsys.readouterr().out
    assert out.startswith("Sent a password reset code for alice to ")
    assert "`ugc codes alice`" in out
    assert "`ugc reset-password alice --code CODE`" in out

    # WHEN she sets a new password with the code from the local outbox
    assert main(["codes", "alice", "--code-only"]) == 0
    code = capsys.readouterr().out.strip()
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert main(["reset-password", "alice", "--code", code, "--password-stdin"]) == 0
    assert capsys.readouterr().out == "Changed the password of alice; sign in with `ugc login alice`.\n"

    # THEN only the new password signs her in
    monkeypatch.setenv("UGC_PASSWORD", cognito.password)
    assert main(["login", "alice"]) == 2
    monkeypatch.setenv("UGC_PASSWORD", NEW_PASSWORD)
    assert main(["login", "alice"]) == 0


def test_codes_shows_the_newest_message_of_a_user_readably(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    # GIVEN alice got a sign-up code and later a reset link
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.add_mail(code="111111")
    fake_aws.add_mail(
        time="2030-01-02T04:00:00Z",
        triggerSource="CustomMessage_ForgotPassword",
        subject="Reset your password",
        message=RESET_HTML,
        code="987654",
    )

    # WHEN `ugc codes alice` runs
    assert main(["codes", "alice"]) == 0

    # THEN only the newest is shown: time, recipient, why, code and link
    assert capsys.readouterr().out == (
        "2030-01-02 04:00:00 UTC  alice <alice@example.com>  CustomMessage_ForgotPassword\n"
        "  subject: Reset your password\n"
        "  code:    987654\n"
        "  link:    http://localhost:3000/reset?username=alice&code=987654\n"
    )
    assert fake_aws.outbox_queries == [{"username": ["alice"]}]


def test_codes_without_a_user_shows_everyones_newest_messages_oldest_first(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    # GIVEN twelve messages, the last one without a code or a link
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    for index in range(11):
        fake_aws.add_mail(username=f"user{index:02d}", code=f"{index:06d}")
    fake_aws.add_mail(username="zoe", code=None, subject="", message="\n  Welcome to UGC, zoe!\nEnjoy.")

    # WHEN `ugc codes` runs THEN the newest ten are shown, the newest at the bottom
    assert main(["codes"]) == 0
    blocks = capsys.readouterr().out.strip().split("\n\n")
    assert len(blocks) == 10
    assert blocks[0].splitlines()[0].endswith("user02 <user02@example.com>  CustomMessage_SignUp")
    assert blocks[-1].splitlines() == [
        "2030-01-02 03:04:05 UTC  zoe <zoe@example.com>  CustomMessage_SignUp",
        "  message: Welcome to UGC, zoe!",
    ]

    # AND --last picks how many
    assert main(["codes", "--last", "2"]) == 0
    assert capsys.readouterr().out.count("UTC  ") == 2


def test_codes_accepts_an_email_address(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.add_mail(username="bob", code="222222")
    assert main(["codes", "bob@example.com"]) == 0
    assert "code:    222222" in capsys.readouterr().out
    assert fake_aws.outbox_queries == [{"email": ["bob@example.com"]}]


def test_codes_code_only_prints_just_the_code_for_scripts(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    # GIVEN bob's newest message carries no code, an older one does
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    fake_aws.add_mail(username="bob", code="012345")
    fake_aws.add_mail(username="bob", code=None, message="Welcome!")

    # WHEN the code is asked for THEN only the newest code is printed
    assert main(["codes", "bob", "--code-only"]) == 0
    assert capsys.readouterr().out == "012345\n"

    # AND with no code at all, exit 1 with the reason on stderr (nothing on stdout for $(...))
    assert main(["codes", "carol", "--code-only"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "ugc: no code in the local outbox for carol\n")


def test_codes_with_an_empty_outbox_says_so(
    tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any, capsys: Any
) -> None:
    use_stack(tmp_path, outputs_doc, fake_aws.endpoint)
    assert main(["codes", "alice"]) == 0
    assert capsys.readouterr().out == "No messages in the local outbox for alice.\n"


def test_codes_on_a_deployed_stack_exits_2(tmp_path: Path, outputs_doc: dict[str, Any], capsys: Any) -> None:
    use_stack(tmp_path, outputs_doc, None)
    assert main(["codes", "alice"]) == 2
    err = capsys.readouterr().err
    assert "outbox exists only on the local stack" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["signup", "bob"],
        ["confirm", "bob"],
        ["resend-code"],
        ["codes", "--last", "0"],
        ["codes", "--last", "x"],
    ],
)
def test_account_usage_errors_exit_2(outputs_file: Path, argv: list[str], capsys: Any) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err
