"""AppSync (appsync) around moto: API keys shaped like AppSync's.

moto names a new API key with six hex characters; AppSync's are `da2-` and 26 lower-case letters and
digits, and client code checks that shape (Amplify's configuration, key rotation scripts). A key
CreateApiKey makes is renamed in moto's backend before the answer goes back, so every later call
(ListApiKeys, the local AppSync's key check) sees the AppSync-shaped id.
"""

from __future__ import annotations

import secrets
import string

from moto.appsync.models import appsync_backends

from emulator.local_aws.messages import AwsRequest, AwsResponse
from emulator.local_aws.registry import HandlerContext, Registry

SERVICE = "appsync"
KEY_PREFIX = "da2-"
KEY_ALPHABET = string.ascii_lowercase + string.digits
KEY_LENGTH = 26


def install(registry: Registry) -> None:
    registry.add(SERVICE, "CreateApiKey", create_api_key)


def new_key_id() -> str:
    return KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def create_api_key(request: AwsRequest, ctx: HandlerContext) -> AwsResponse:
    answer = ctx.forward()
    if not answer.ok:
        return answer
    body = answer.json_body()
    api = appsync_backends[request.account_id][request.region].graphql_apis[request.params["apiId"]]
    key = api.api_keys.pop(body["apiKey"]["id"])
    key.key_id = new_key_id()
    api.api_keys[key.key_id] = key
    body["apiKey"]["id"] = key.key_id
    return AwsResponse.json(body, answer.status)
