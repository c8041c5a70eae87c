"""Running the project's functions from the local AWS: the invoker slot and ordered asynchronous events."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import pytest

from emulator.local_aws.bootstrap import app_client_kwargs, cognito_lambda_config, user_pool_kwargs
from emulator.local_aws.functions import FunctionError, Functions, FunctionsUnavailable, function_arn, function_name
from emulator.local_aws.testing import InProcessFunctions


def test_asynchronous_events_run_one_at_a_time_in_the_order_queued():
    # GIVEN an invoker whose first call is slow, and a log of what ran when
    ran = []
    inside = threading.Lock()

    def invoker(name, event):
        assert inside.acquire(blocking=False), "two events ran at once"
        try:
            if event["n"] == 0:
                time.sleep(0.05)
            ran.append(event["n"])
        finally:
            inside.release()

    functions = Functions()
    functions.set_invoker(invoker)

    # WHEN several events are queued at once
    for n in range(5):
        functions.invoke_async("assets", {"n": n})

    # THEN they all ran, one at a time, in order
    assert functions.wait_idle(5)
    assert ran == [0, 1, 2, 3, 4]
    functions.close()


def test_a_failing_asynchronous_event_is_logged_and_the_next_still_runs(caplog):
    # GIVEN an invoker that fails on the first event
    seen = []

    def invoker(name, event):
        seen.append(event["n"])
        if event["n"] == 0:
            raise FunctionError("ValueError", "bad image")

    functions = Functions()
    functions.set_invoker(invoker)

    # WHEN two events are queued
    with caplog.at_level(logging.WARNING, logger="emulator.local_aws.functions"):
        functions.invoke_async("assets", {"n": 0})
        functions.invoke_async("assets", {"n": 1})
        assert functions.wait_idle(5)

    # THEN the failure is logged with the function's error, and the second event ran anyway
    assert seen == [0, 1]
    (failure,) = [r for r in caplog.records if r.getMessage() == "local AWS event: function failed"]
    assert (failure.function, failure.error_type, failure.error_message) == ("assets", "ValueError", "bad image")
    functions.close()


def test_without_an_invoker_synchronous_calls_are_unavailable_and_events_are_dropped():
    # GIVEN no invoker
    functions = Functions()

    # WHEN a function is invoked synchronously
    # THEN it is refused plainly
    assert not functions.available
    with pytest.raises(FunctionsUnavailable):
        functions.invoke("cognito", {})

    # WHEN an event is queued
    functions.invoke_async("assets", {})

    # THEN nothing is left pending
    assert functions.wait_idle(5)
    functions.close()


def test_function_arns_name_the_function():
    # GIVEN / WHEN an ARN is built and read back, qualified or not
    arn = function_arn("us-east-1", "123456789012", "cognito")

    # THEN the name comes back; anything else is not a function ARN
    assert arn == "arn:aws:lambda:us-east-1:123456789012:function:cognito"
    assert function_name(arn) == "cognito"
    assert function_name(arn + ":$LATEST") == "cognito"
    assert function_name("arn:aws:sqs:us-east-1:123456789012:queue") is None


def test_in_process_functions_fail_like_lambda_and_record_calls():
    # GIVEN handlers, one of which raises
    def broken(event):
        raise KeyError("missing")

    functions = InProcessFunctions({"ok": lambda event: {"echo": event}, "broken": broken})

    # WHEN each is invoked, and a function nobody defined
    result = functions("ok", {"a": 1})
    with pytest.raises(FunctionError) as failed:
        functions("broken", {})
    with pytest.raises(FunctionError) as unknown:
        functions("nope", {})

    # THEN results come back, failures carry the exception's type and message, and every call is recorded
    assert result == {"echo": {"a": 1}}
    assert (failed.value.error_type, failed.value.message) == ("KeyError", "'missing'")
    assert unknown.value.error_type == "ResourceNotFoundException"
    assert [name for name, _ in functions.calls] == ["ok", "broken", "nope"]


def test_a_timed_out_trigger_is_an_unexpected_lambda_error(local_aws_client, local_resources, local_functions):
    # GIVEN a pool whose PreSignUp function times out in the runtime
    cognito = local_aws_client("cognito-idp")
    lambda_config = cognito_lambda_config(local_resources.region, local_resources.account_id)
    pool_id = cognito.create_user_pool(
        **user_pool_kwargs(f"timeout-{uuid.uuid4().hex[:8]}", lambda_config=lambda_config)
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "web"))["UserPoolClient"]["ClientId"]

    def time_out(event):
        raise FunctionError("Sandbox.Timedout", "Task timed out after 10.00 seconds")

    local_functions({"cognito": time_out})

    # WHEN a user signs up
    with pytest.raises(cognito.exceptions.UnexpectedLambdaException) as raised:
        cognito.sign_up(ClientId=client_id, Username="late", Password="Corr3ct-Horse!")

    # THEN Cognito reports the invocation failure, not a validation failure
    assert raised.value.response["Error"]["Message"] == (
        "PreSignUp invocation failed due to error Task timed out after 10.00 seconds."
    )
