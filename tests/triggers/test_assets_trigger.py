"""S3 upload events set the avatar/banner URL; a late event for an older upload changes nothing."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from core.models import AccountItem
from core.timefmt import now_iso
from emulator.appsync.invoke import LambdaContext
from emulator.local_aws.bootstrap import LocalResources, bootstrap
from emulator.local_aws.server import LocalAwsServer
from tests.stacks import function_environment, local_core


@pytest.fixture(scope="module")
def resources(local_aws: LocalAwsServer) -> LocalResources:
    return bootstrap(local_aws.endpoint, name_prefix=f"assets-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def assets_trigger(resources: LocalResources) -> Iterator[Any]:
    import triggers.assets
    import triggers.runtime

    with function_environment(resources, "assets", composition_root=triggers.runtime):
        yield lambda event: triggers.assets.handler(copy.deepcopy(event), LambdaContext("assets", "req"))


def ready_account(resources: LocalResources) -> str:
    sub = str(uuid.uuid4())
    item = AccountItem(sub=sub, username=f"u{sub[:8]}", created_at=now_iso(), status="READY", channel_id=sub[:12])
    core = local_core(resources)
    core.table.client.put_item(TableName=core.table.name, Item=item.to_item())
    return sub


def s3_event(key: str, version: str, sequencer: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-21T10:00:00.000Z",
                "eventName": "ObjectCreated:Post",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": "assets", "arn": "arn:aws:s3:::assets"},
                    "object": {"key": key, "size": 1024, "eTag": "abc", "versionId": version, "sequencer": sequencer},
                },
            }
        ]
    }


def test_an_upload_sets_the_url_of_that_version(resources: LocalResources, assets_trigger: Any) -> None:
    sub = ready_account(resources)
    assert assets_trigger(s3_event(f"{sub}/avatar", "v1", "0055AED6DCD90281E5")) == {"applied": 1, "ignored": 0}
    account = local_core(resources).accounts.get(sub)
    assert account is not None
    assert account.avatar_url == f"{resources.assets_base_url}/{sub}/avatar?versionId=v1"


def test_a_late_event_for_an_older_upload_is_ignored(resources: LocalResources, assets_trigger: Any) -> None:
    sub = ready_account(resources)
    assets_trigger(s3_event(f"{sub}/banner", "new", "0055AED6DCD9028200"))
    assert assets_trigger(s3_event(f"{sub}/banner", "old", "0055AED6DCD90281FF")) == {"applied": 0, "ignored": 1}
    account = local_core(resources).accounts.get(sub)
    assert account is not None and account.banner_url is not None
    assert account.banner_url.endswith("versionId=new")


def test_objects_that_are_not_profile_images_are_ignored(resources: LocalResources, assets_trigger: Any) -> None:
    sub = ready_account(resources)
    assert assets_trigger(s3_event(f"{sub}/other", "v1", "01")) == {"applied": 0, "ignored": 1}
    assert assets_trigger(s3_event(f"{uuid.uuid4()}/avatar", "v1", "02")) == {"applied": 0, "ignored": 1}
