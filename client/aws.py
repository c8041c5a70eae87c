"""boto3 sessions and clients for whichever stack `amplify_outputs.json` describes.

The local stack publishes its endpoint (and the credentials it accepts) in the outputs; a deployed
stack publishes neither, and boto3's normal endpoint resolution and credential chain apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from client.errors import ConfigError

if TYPE_CHECKING:
    from botocore.credentials import Credentials
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from client.outputs import AmplifyOutputs

# Interactive commands should fail fast when the local stack is down rather than retry for a minute.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=15)


def boto3_session(outputs: AmplifyOutputs) -> boto3.Session:
    """A session for the stack. The local stack's own credentials win over ambient ones, because the
    local AppSync verifies IAM signatures against exactly those; a deployed stack uses the chain."""
    region = outputs.auth.aws_region
    local = outputs.local_credentials
    if outputs.aws_endpoint_url and local:
        return boto3.Session(
            aws_access_key_id=local.access_key_id,
            aws_secret_access_key=local.secret_access_key,
            aws_session_token=local.session_token,
            region_name=region,
        )
    return boto3.Session(region_name=region)


def aws_client(outputs: AmplifyOutputs, service: str, session: boto3.Session | None = None) -> Any:
    """A boto3 client for `service` that talks to the local AWS when the outputs name one."""
    return (session or boto3_session(outputs)).client(  # type: ignore[call-overload]
        service, endpoint_url=outputs.aws_endpoint_url, config=_CONFIG
    )


def aws_credentials(outputs: AmplifyOutputs) -> Credentials:
    """Credentials for IAM-signed calls, or a clear error when there are none."""
    credentials = boto3_session(outputs).get_credentials()
    if credentials is None:
        raise ConfigError(
            "no AWS credentials found for IAM auth (configure a profile or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY; the local stack provides custom.ugc.aws_credentials)"
        )
    return credentials


def cognito_client(outputs: AmplifyOutputs) -> CognitoIdentityProviderClient:
    """The user pool's Cognito client for the stack the outputs describe (local endpoint or AWS)."""
    client: CognitoIdentityProviderClient = aws_client(outputs, "cognito-idp")
    return client
