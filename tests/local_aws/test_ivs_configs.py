"""IVS recording configurations, playback restriction policies and tags on the local AWS, answered as IVS
answers them (moto keeps none of them)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def ivs(local_aws_client: Any) -> Any:
    return local_aws_client("ivs")


@pytest.fixture
def bucket(local_aws_client: Any) -> str:
    name = f"rec-{uuid.uuid4().hex[:10]}"
    local_aws_client("s3").create_bucket(Bucket=name)
    return name


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_a_recording_configuration_gets_ivs_defaults_and_is_listed_read_and_deleted(ivs: Any, bucket: str) -> None:
    made = ivs.create_recording_configuration(
        name="rec", destinationConfiguration={"s3": {"bucketName": bucket}}, tags={"stage": "local"}
    )["recordingConfiguration"]
    # THEN it is active (its bucket exists), with IVS's defaults for what was left out
    assert made["state"] == "ACTIVE"
    assert made["thumbnailConfiguration"] == {
        "recordingMode": "INTERVAL",
        "targetIntervalSeconds": 60,
        "storage": ["SEQUENTIAL"],
    }
    assert made["renditionConfiguration"] == {"renditionSelection": "ALL"}
    assert made["recordingReconnectWindowSeconds"] == 0
    assert made["arn"].split(":")[5].startswith("recording-configuration/")
    assert ivs.get_recording_configuration(arn=made["arn"])["recordingConfiguration"] == made
    listed = ivs.list_recording_configurations()["recordingConfigurations"]
    assert {"arn": made["arn"], "name": "rec", "state": "ACTIVE", "tags": {"stage": "local"}}.items() <= next(
        c for c in listed if c["arn"] == made["arn"]
    ).items()
    ivs.delete_recording_configuration(arn=made["arn"])
    with pytest.raises(ClientError) as gone:
        ivs.get_recording_configuration(arn=made["arn"])
    assert code(gone) == "ResourceNotFoundException"


def test_a_recording_configuration_without_its_bucket_fails_to_create(ivs: Any) -> None:
    made = ivs.create_recording_configuration(destinationConfiguration={"s3": {"bucketName": "no-such-bucket-here"}})
    assert made["recordingConfiguration"]["state"] == "CREATE_FAILED"


def test_a_configuration_or_policy_in_use_by_a_channel_cannot_be_deleted(ivs: Any, bucket: str) -> None:
    recording = ivs.create_recording_configuration(destinationConfiguration={"s3": {"bucketName": bucket}})
    policy = ivs.create_playback_restriction_policy(allowedOrigins=["https://app.example.com"])
    rec_arn, policy_arn = recording["recordingConfiguration"]["arn"], policy["playbackRestrictionPolicy"]["arn"]
    channel = ivs.create_channel(
        name=f"c{uuid.uuid4().hex[:6]}", recordingConfigurationArn=rec_arn, playbackRestrictionPolicyArn=policy_arn
    )["channel"]
    # THEN the channel names both, and GetChannel says so too
    assert (channel["recordingConfigurationArn"], channel["playbackRestrictionPolicyArn"]) == (rec_arn, policy_arn)
    assert ivs.get_channel(arn=channel["arn"])["channel"]["playbackRestrictionPolicyArn"] == policy_arn
    # AND neither can be deleted while the channel uses it
    for delete, arn in (
        (ivs.delete_recording_configuration, rec_arn),
        (ivs.delete_playback_restriction_policy, policy_arn),
    ):
        with pytest.raises(ClientError) as refused:
            delete(arn=arn)
        assert code(refused) == "ConflictException"
    # WHEN the channel drops the policy and is deleted THEN both can go
    updated = ivs.update_channel(arn=channel["arn"], playbackRestrictionPolicyArn="")["channel"]
    assert updated["playbackRestrictionPolicyArn"] == ""
    ivs.delete_playback_restriction_policy(arn=policy_arn)
    ivs.delete_channel(arn=channel["arn"])
    ivs.delete_recording_configuration(arn=rec_arn)


def test_a_channel_naming_an_unknown_policy_is_refused(ivs: Any, local_aws_client: Any) -> None:
    unknown = "arn:aws:ivs:us-east-1:123456789012:playback-restriction-policy/nope"
    with pytest.raises(ClientError) as refused:
        ivs.create_channel(name="x", playbackRestrictionPolicyArn=unknown)
    assert code(refused) == "ResourceNotFoundException"


def test_a_policy_is_updated_in_place(ivs: Any) -> None:
    policy = ivs.create_playback_restriction_policy(
        name="p", allowedCountries=["US"], allowedOrigins=["https://a.example"], tags={"stage": "local"}
    )["playbackRestrictionPolicy"]
    assert policy["enableStrictOriginEnforcement"] is False
    updated = ivs.update_playback_restriction_policy(
        arn=policy["arn"], allowedCountries=["US", "GB"], enableStrictOriginEnforcement=True
    )["playbackRestrictionPolicy"]
    assert (updated["allowedCountries"], updated["allowedOrigins"], updated["enableStrictOriginEnforcement"]) == (
        ["US", "GB"],
        ["https://a.example"],
        True,
    )
    assert ivs.get_playback_restriction_policy(arn=policy["arn"])["playbackRestrictionPolicy"] == updated
    assert policy["arn"] in [p["arn"] for p in ivs.list_playback_restriction_policies()["playbackRestrictionPolicies"]]


def test_tags_of_every_ivs_resource_are_kept_and_capped_at_50(ivs: Any, bucket: str) -> None:
    channel = ivs.create_channel(name=f"t{uuid.uuid4().hex[:6]}", tags={"stage": "local"})
    recording = ivs.create_recording_configuration(destinationConfiguration={"s3": {"bucketName": bucket}})
    policy = ivs.create_playback_restriction_policy()
    arns = [
        channel["channel"]["arn"],
        channel["streamKey"]["arn"],
        recording["recordingConfiguration"]["arn"],
        policy["playbackRestrictionPolicy"]["arn"],
    ]
    for arn in arns:
        ivs.tag_resource(resourceArn=arn, tags={"owner": "alice", "stage": "local"})
        ivs.untag_resource(resourceArn=arn, tagKeys=["owner"])
        assert ivs.list_tags_for_resource(resourceArn=arn)["tags"] == {"stage": "local"}
        with pytest.raises(ClientError) as refused:
            ivs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
        assert code(refused) == "ValidationException"
    with pytest.raises(ClientError) as missing:
        ivs.list_tags_for_resource(resourceArn="arn:aws:ivs:us-east-1:123456789012:channel/nope")
    assert code(missing) == "ResourceNotFoundException"
