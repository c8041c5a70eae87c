from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from client.errors import ConfigError, TransportError
from client.outbox import Mail, latest_code, local_outbox
from client.outputs import AmplifyOutputs, load_outputs
from tests.client.conftest import FakeLocalAws, Reply, use_stack

RESET_HTML = (
    "<html><body><p>Hello alice,</p>"
    '<p><a href="http://localhost:3000/reset?username=alice&amp;code=987654">Choose a new password</a></p>'
    "</body></html>"
)


def test_the_outbox_lists_the_stored_messages_newest_last(fake_aws_outputs: AmplifyOutputs, fake_aws: Any) -> None:
    # GIVEN the local stack stored a sign-up code for bob, then a reset link for alice
    fake_aws.add_mail(username="bob", code="111111")
    fake_aws.add_mail(
        time="2030-01-02T03:05:00+01:00",
        triggerSource="CustomMessage_ForgotPassword",
        subject="Reset your password",
        message=RESET_HTML,
        code="987654",
    )

    # WHEN the outbox is read
    mails = local_outbox(fake_aws_outputs)

    # THEN both are typed, in the order served, with times in UTC
    assert [mail.username for mail in mails] == ["bob", "alice"]
    bob, alice = mails
    assert bob == Mail(
        time=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        to="bob@example.com",
        username="bob",
        trigger_source="CustomMessage_SignUp",
        subject="Confirm your account",
        message="Your code is 123456",
        code="111111",
    )
    assert alice.time == datetime(2030, 1, 2, 2, 5, tzinfo=UTC)
    # AND an HTML body yields its link (entities decoded) and its first line of text
    assert alice.link == "http://localhost:3000/reset?username=alice&code=987654"
    assert alice.first_line == "Hello alice,"
    assert bob.link is None
    assert bob.first_line == "Your code is 123456"


def test_the_outbox_is_filtered_by_the_server(fake_aws_outputs: AmplifyOutputs, fake_aws: Any) -> None:
    # GIVEN messages for two users
    fake_aws.add_mail(username="bob")
    fake_aws.add_mail(username="alice")

    # WHEN the outbox is read for one username, then for one address
    by_name = local_outbox(fake_aws_outputs, username="bob")
    by_email = local_outbox(fake_aws_outputs, email="alice@example.com")

    # THEN the filters went as query parameters, and only the matching messages came back
    assert fake_aws.outbox_queries == [{"username": ["bob"]}, {"email": ["alice@example.com"]}]
    assert [mail.username for mail in by_name] == ["bob"]
    assert [mail.username for mail in by_email] == ["alice"]


def test_latest_code_is_the_newest_message_that_carries_one(fake_aws_outputs: AmplifyOutputs, fake_aws: Any) -> None:
    # GIVEN alice got a code, a newer code, then a message without a code; bob got a code last
    fake_aws.add_mail(code="111111")
    fake_aws.add_mail(code="222222", triggerSource="CustomMessage_ResendCode")
    fake_aws.add_mail(code=None, message="Welcome!")
    fake_aws.add_mail(username="bob", code="333333")

    # WHEN alice's latest code is asked for THEN it is her newest code, not bob's
    assert latest_code(fake_aws_outputs, "alice") == "222222"
    # AND nobody's code is None
    assert latest_code(fake_aws_outputs, "nobody") is None


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("2030-01-02T03:04:05.250Z", datetime(2030, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)),
        ("2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (1893553445, datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (1893553445250, datetime(2030, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)),
    ],
)
def test_message_times_may_be_iso_8601_or_epoch_seconds_or_milliseconds(served: Any, expected: datetime) -> None:
    raw = {"time": served, "to": "a@example.com", "message": "hi"}
    assert Mail.from_json(raw).time == expected


@pytest.mark.parametrize(("served", "expected"), [(123456, "123456"), ("", None), (None, None)])
def test_a_missing_code_is_none_and_a_numeric_one_is_text(served: Any, expected: str | None) -> None:
    raw = {"time": "2030-01-02T03:04:05Z", "to": "a@example.com", "code": served}
    assert Mail.from_json(raw).code == expected


def test_a_deployed_stack_has_no_outbox(tmp_path: Path, outputs_doc: dict[str, Any], fake_aws: Any) -> None:
    # GIVEN the outputs of a deployed stack (no local AWS endpoint)
    deployed = load_outputs(use_stack(tmp_path, outputs_doc, None))

    # WHEN the outbox is read THEN the error says the mail is really sent, and nothing was requested
    with pytest.raises(ConfigError, match="outbox exists only on the local stack"):
        local_outbox(deployed)
    assert fake_aws.outbox_queries == []


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(404, {"message": "not found"}), "keeps no outbox"),
        (Reply(500, "boom"), "HTTP 500: boom"),
        (Reply(200, "not json"), "did not return JSON"),
        (Reply(200, {"messages": []}), "expected a JSON list of messages, got dict"),
        (Reply(200, [{"time": "yesterday", "to": "a@example.com"}]), "unexpected message"),
        (Reply(200, [{"time": "2030-01-02T03:04:05Z"}]), "unexpected message: to is missing"),
    ],
)
def test_an_outbox_that_answers_unexpectedly_is_a_transport_error(
    fake_aws_outputs: AmplifyOutputs, fake_aws: FakeLocalAws, reply: Reply, message: str
) -> None:
    fake_aws.outbox_reply = reply
    with pytest.raises(TransportError, match=message):
        local_outbox(fake_aws_outputs)


def test_an_unreachable_local_aws_says_to_start_the_stack(tmp_path: Path, outputs_doc: dict[str, Any]) -> None:
    outputs = load_outputs(use_stack(tmp_path, outputs_doc, "http://127.0.0.1:9"))
    with pytest.raises(TransportError, match=r"is `ugc dev` running\?"):
        local_outbox(outputs)
