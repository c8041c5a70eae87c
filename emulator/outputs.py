"""`amplify_outputs.json`: the client configuration in Amplify Gen 2's outputs format.

Amplify, Apollo set-ups and the `ugc` client read it, so switching between the local stack and a
deployed one is a matter of which file they load. Local-only facts live under `custom.ugc`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from infra.definitions import API, USER_POOL

OUTPUTS_VERSION = "1.4"

# Keys of `custom.ugc` that are secrets: the file on disk keeps them (the simulator signs the IAM-only
# publish mutations with them) but nothing served over HTTP carries them.
SECRET_KEYS = ("aws_credentials",)


def amplify_outputs(
    *,
    region: str,
    user_pool_id: str,
    user_pool_client_id: str,
    graphql_url: str,
    api_key: str | None,
    stage: str,
    aws_endpoint_url: str | None = None,
    aws_credentials: tuple[str, str] | None = None,
    ca_certificate: str | None = None,
) -> dict[str, Any]:
    policy = USER_POOL.password_policy
    custom: dict[str, Any] = {"stage": stage, "graphiql_url": graphql_url}
    if aws_endpoint_url:
        custom["aws_endpoint_url"] = aws_endpoint_url
    if ca_certificate:
        # The local CA the TLS side of the local AppSync is signed by (`ugc trust`); a public certificate.
        custom["ca_certificate"] = ca_certificate
    if aws_credentials:
        custom["aws_credentials"] = {"access_key_id": aws_credentials[0], "secret_access_key": aws_credentials[1]}
    data: dict[str, Any] = {
        "url": graphql_url,
        "aws_region": region,
        "default_authorization_type": API.default_auth,
        "authorization_types": list(API.additional_auth),
    }
    if api_key:
        data["api_key"] = api_key
    return {
        "version": OUTPUTS_VERSION,
        "auth": {
            "aws_region": region,
            "user_pool_id": user_pool_id,
            "user_pool_client_id": user_pool_client_id,
            "standard_required_attributes": list(USER_POOL.required_attributes),
            "username_attributes": [],
            "user_verification_types": list(USER_POOL.auto_verified_attributes),
            "password_policy": {
                "min_length": policy.min_length,
                "require_lowercase": policy.require_lowercase,
                "require_numbers": policy.require_digits,
                "require_symbols": policy.require_symbols,
                "require_uppercase": policy.require_uppercase,
            },
            "mfa_configuration": "NONE",
            "mfa_methods": [],
            "unauthenticated_identities_enabled": False,
        },
        "data": data,
        "custom": {"ugc": custom},
    }


def served_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration as the local AppSync serves it: without the secrets of `custom.ugc`."""
    served = copy.deepcopy(dict(outputs))
    ugc = served.get("custom", {}).get("ugc", {})
    for key in SECRET_KEYS:
        ugc.pop(key, None)
    return served
