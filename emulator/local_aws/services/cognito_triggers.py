"""Cognito user pool Lambda triggers: the events Cognito sends and how it treats the answers.

Event shapes follow the Cognito developer guide ("Working with user pool Lambda triggers" and each
trigger's page): the common `version`, `triggerSource`, `region`, `userPoolId`, `userName`,
`callerContext {awsSdkVersion, clientId}`, then a trigger-specific `request` and `response`. A
trigger runs when the pool's LambdaConfig names a function and the server has a function invoker.

How Cognito reports a trigger that failed, and how this module does:
- the function raised → `UserLambdaValidationException` "<Trigger> failed with error <message>."
- the invocation itself failed (Lambda's `Sandbox.*` errors, e.g. a timeout) →
  `UnexpectedLambdaException` "<Trigger> invocation failed due to error <message>."
- the function returned something that is not the event → `InvalidLambdaResponseException`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from emulator.local_aws.functions import FunctionError, Functions, FunctionsUnavailable
from emulator.local_aws.messages import ServiceError
from emulator.local_aws.services.cognito_pool import Pool

logger = logging.getLogger(__name__)

EVENT_VERSION = "1"
# What Cognito puts in callerContext when the caller's SDK is not one it recognises.
SDK_VERSION = "aws-sdk-unknown-unknown"
# callerContext.clientId of calls made with admin credentials rather than through an app client.
ADMIN_CLIENT_ID = "CLIENT_ID_NOT_APPLICABLE"
CODE_PARAMETER = "{####}"
USERNAME_PARAMETER = "{username}"
LINK_PARAMETER = "{##Click Here##}"


def _failure(trigger: str, error: FunctionError) -> ServiceError:
    if error.error_type.startswith("Sandbox."):
        return ServiceError("UnexpectedLambdaException", f"{trigger} invocation failed due to error {error.message}.")
    return ServiceError("UserLambdaValidationException", f"{trigger} failed with error {error.message}.")


class Triggers:
    """The triggers of one pool, as seen by one caller (its app client, or an admin)."""

    def __init__(self, functions: Functions, pool: Pool, client_id: str) -> None:
        self._functions = functions
        self._pool = pool
        self._client_id = client_id

    def run(
        self, trigger: str, source: str, username: str, request: Mapping[str, Any], response: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The trigger's `response`, or None when the pool has no such trigger or no invoker is set."""
        name = self._pool.trigger_function(trigger)
        if name is None or not self._functions.available:
            return None
        event = {
            "version": EVENT_VERSION,
            "triggerSource": source,
            "region": self._pool.region,
            "userPoolId": self._pool.id,
            "userName": username,
            "callerContext": {"awsSdkVersion": SDK_VERSION, "clientId": self._client_id},
            "request": dict(request),
            "response": dict(response),
        }
        try:
            result = self._functions.invoke(name, event)
        except FunctionError as error:
            raise _failure(trigger, error) from None
        except FunctionsUnavailable:
            return None  # the invoker was removed between the check and the call
        except Exception as exc:
            logger.exception("Cognito trigger invocation failed", extra={"trigger": trigger, "function": name})
            raise ServiceError(
                "UnexpectedLambdaException", f"{trigger} invocation failed due to error {type(exc).__name__}."
            ) from None
        if not isinstance(result, dict) or not isinstance(result.get("response"), dict):
            raise ServiceError("InvalidLambdaResponseException", "Unrecognizable lambda output")
        return dict(result["response"])

    # --- one method per trigger, with the request Cognito builds for it ---------------------------
    def pre_sign_up(
        self,
        source: str,
        username: str,
        attributes: Mapping[str, str],
        validation_data: Mapping[str, str],
        client_metadata: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        """PreSignUp_SignUp / PreSignUp_AdminCreateUser; the response (all false when not run)."""
        response = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
        request: dict[str, Any] = {"userAttributes": dict(attributes), "validationData": dict(validation_data) or None}
        _add_metadata(request, client_metadata)
        return self.run("PreSignUp", source, username, request, response) or response

    def custom_message(
        self, source: str, username: str, attributes: Mapping[str, str], client_metadata: Mapping[str, str] | None
    ) -> dict[str, Any]:
        """CustomMessage_*; {} when not run, so Cognito's own message applies."""
        request: dict[str, Any] = {
            "userAttributes": dict(attributes),
            "codeParameter": CODE_PARAMETER,
            "linkParameter": LINK_PARAMETER,
            "usernameParameter": USERNAME_PARAMETER,
        }
        _add_metadata(request, client_metadata)
        response = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
        return self.run("CustomMessage", source, username, request, response) or {}

    def post_confirmation(
        self, source: str, username: str, attributes: Mapping[str, str], client_metadata: Mapping[str, str] | None
    ) -> None:
        """PostConfirmation_ConfirmSignUp / PostConfirmation_ConfirmForgotPassword."""
        request: dict[str, Any] = {"userAttributes": dict(attributes)}
        _add_metadata(request, client_metadata)
        self.run("PostConfirmation", source, username, request, {})

    def pre_authentication(
        self, username: str, attributes: Mapping[str, str], client_metadata: Mapping[str, str] | None
    ) -> None:
        """PreAuthentication_Authentication: the sign-in's ClientMetadata arrives as validationData."""
        request: dict[str, Any] = {"userAttributes": dict(attributes)}
        if client_metadata:
            request["validationData"] = dict(client_metadata)
        self.run("PreAuthentication", "PreAuthentication_Authentication", username, request, {})


def _add_metadata(request: dict[str, Any], client_metadata: Mapping[str, str] | None) -> None:
    # Cognito sends clientMetadata only when the API call carried ClientMetadata.
    if client_metadata:
        request["clientMetadata"] = dict(client_metadata)
