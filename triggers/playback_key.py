"""Deploy time: a signing key, as a CloudFormation custom resource (CDK's Provider framework).

On Create and Update it makes sure the key secret holds a private key of the resource's `KeyKind`
(EC P-384, the playback key, by default; RSA 2048 for the recordings key), generating one inside the
secret the first time, and returns the public half (`Data.PublicKeyPem`), which the stack imports into
IVS as its `AWS::IVS::PlaybackKeyPair` or into CloudFront as a public key, and the secret's ARN
(`Data.SecretArn`), which the API function's environment names. Delete does nothing: the secret and the key pair
are stack resources, which CloudFormation deletes (or keeps) itself. An exception fails the deployment
with its message, and CloudFormation rolls back.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from core.aws import Clients
from core.playback import (
    KEY_KIND_PROPERTY,
    KEY_SECRET_PROPERTY,
    PUBLIC_KEY_ATTRIBUTE,
    SECRET_ARN_ATTRIBUTE,
    KeyKind,
    ensure_signing_key,
)

logger = Logger()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["RequestType"]
    if request == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    properties = event["ResourceProperties"]
    secret_id = str(properties[KEY_SECRET_PROPERTY])
    # The playback key unless the resource names another kind (the recordings key).
    kind = KeyKind(properties.get(KEY_KIND_PROPERTY, KeyKind.EC_P384))
    # AWS_REGION is set by the Lambda runtime; the deploy-time function gets no other settings.
    public_pem = ensure_signing_key(Clients(os.environ["AWS_REGION"]).secretsmanager, secret_id, kind)
    logger.info("signing key ready", request=request, secret=secret_id, kind=kind.value)
    # The secret names the resource: the same secret on an update is the same key, never a replacement.
    # The secret's ARN comes back too: functions that read the key name it through this attribute, so
    # CloudFormation updates them only once the secret holds the key.
    return {
        "PhysicalResourceId": secret_id,
        "Data": {PUBLIC_KEY_ATTRIBUTE: public_pem, SECRET_ARN_ATTRIBUTE: secret_id},
    }
