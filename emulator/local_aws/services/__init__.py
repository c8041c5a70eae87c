"""One module per AWS service the local AWS extends; each exposes `install(registry)`."""

from __future__ import annotations

from emulator.local_aws import outbox
from emulator.local_aws.registry import Registry
from emulator.local_aws.services import (
    appsync,
    cloudfront,
    cloudwatch,
    cognito,
    events,
    ivs,
    ivs_configs,
    ivschat,
    lambda_,
    paapi,
    s3,
    sqs,
)

INSTALLERS = (
    ivs.install,
    ivs_configs.install,
    ivschat.install,
    cognito.install,
    s3.install,
    events.install,
    cloudwatch.install,
    outbox.install,
    paapi.install,
    appsync.install,
    sqs.install,
    lambda_.install,
    cloudfront.install,
)


def default_registry() -> Registry:
    """Every extension the local AWS serves."""
    registry = Registry()
    for install in INSTALLERS:
        install(registry)
    return registry
