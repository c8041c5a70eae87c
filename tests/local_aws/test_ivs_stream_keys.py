"""IVS stream keys through boto3's unchanged `ivs` client, served by the extension layer."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from core.ivs import Ivs


@pytest.fixture
def ivs(local_aws_client):
    return local_aws_client("ivs")


@pytest.fixture
def channel(ivs):
    """A fresh channel (unique name) and the stream key CreateChannel returned with it."""
    out = ivs.create_channel(name=f"test-{uuid.uuid4().hex[:12]}", type="BASIC", latencyMode="LOW")
    return out["channel"], out["streamKey"]


def test_stream_key_lifecycle_follows_ivs(ivs, channel):
    # GIVEN a channel and the key CreateChannel returned
    created, first_key = channel

    # WHEN the channel's keys are listed and the key is read back
    listed = ivs.list_stream_keys(channelArn=created["arn"])["streamKeys"]
    fetched = ivs.get_stream_key(arn=first_key["arn"])["streamKey"]

    # THEN the key CreateChannel returned is the channel's one key, value included
    assert listed == [{"arn": first_key["arn"], "channelArn": created["arn"], "tags": {}}]
    assert fetched == first_key

    # WHEN another key is created while the channel has one
    # THEN IVS's one-key-per-channel quota refuses it
    with pytest.raises(ivs.exceptions.ServiceQuotaExceededException):
        ivs.create_stream_key(channelArn=created["arn"])

    # WHEN the key is deleted and a new one created (how IVS resets a stream key)
    ivs.delete_stream_key(arn=first_key["arn"])
    second_key = ivs.create_stream_key(channelArn=created["arn"], tags={"purpose": "reset"})["streamKey"]

    # THEN the new key replaces the old one, with a new value
    assert second_key["channelArn"] == created["arn"]
    assert second_key["value"] != first_key["value"]
    assert second_key["value"].startswith("sk_us-east-1_")
    assert second_key["tags"] == {"purpose": "reset"}
    assert [k["arn"] for k in ivs.list_stream_keys(channelArn=created["arn"])["streamKeys"]] == [second_key["arn"]]

    # WHEN the deleted key is read
    # THEN boto3 raises the modeled ResourceNotFoundException (HTTP 404)
    with pytest.raises(ivs.exceptions.ResourceNotFoundException) as raised:
        ivs.get_stream_key(arn=first_key["arn"])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert first_key["arn"] in raised.value.response["Error"]["Message"]


def test_deleting_a_stream_key_twice_is_not_found(ivs, channel):
    # GIVEN a channel whose key was deleted
    _, key = channel
    ivs.delete_stream_key(arn=key["arn"])

    # WHEN it is deleted again
    # THEN the key is not found
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.delete_stream_key(arn=key["arn"])


def test_deleting_a_channel_drops_its_stream_keys(ivs, channel):
    # GIVEN a channel with its key
    created, key = channel

    # WHEN the channel is deleted
    response = ivs.delete_channel(arn=created["arn"])

    # THEN IVS's 204 comes back, the key is gone, and the channel can no longer get keys
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.get_stream_key(arn=key["arn"])
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.create_stream_key(channelArn=created["arn"])
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.list_stream_keys(channelArn=created["arn"])


def test_stream_key_of_an_unknown_channel_is_not_found(ivs):
    # GIVEN a well-formed ARN of a channel that does not exist
    arn = "arn:aws:ivs:us-east-1:123456789012:channel/doesNotExist"

    # WHEN a key is created for it
    # THEN the channel is not found
    with pytest.raises(ivs.exceptions.ResourceNotFoundException):
        ivs.create_stream_key(channelArn=arn)


def test_malformed_arn_is_a_validation_error_with_aws_wording(ivs):
    # GIVEN an ARN that does not match the model's StreamKeyArn pattern
    # WHEN a key is read with it
    with pytest.raises(ivs.exceptions.ValidationException) as raised:
        ivs.get_stream_key(arn="not-an-arn")

    # THEN the message is AWS's constraint message, naming the member
    assert raised.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'not-an-arn' at 'arn' failed to satisfy constraint"
    )


def test_list_stream_keys_rejects_max_results_out_of_range(ivs, channel):
    # GIVEN a channel
    created, _ = channel

    # WHEN more keys than the model allows per page are asked for
    # THEN it is a validation error, as the model's MaxStreamKeyResults range says
    with pytest.raises(ClientError) as raised:
        ivs.list_stream_keys(channelArn=created["arn"], maxResults=51)
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_channel_operations_still_come_from_moto(ivs, channel):
    # GIVEN a channel created through the wrapped CreateChannel
    created, _ = channel

    # WHEN moto's own channel operations are called
    fetched = ivs.get_channel(arn=created["arn"])["channel"]
    listed = ivs.list_channels(filterByName=created["name"])["channels"]

    # THEN they see the channel as CreateChannel returned it
    assert fetched["arn"] == created["arn"]
    assert [c["arn"] for c in listed] == [created["arn"]]


def test_a_next_token_the_service_never_issued_is_a_validation_error(ivs, channel):
    # GIVEN a channel
    created, _ = channel

    # WHEN its keys are listed with a made-up nextToken
    # THEN the token is refused
    with pytest.raises(ivs.exceptions.ValidationException):
        ivs.list_stream_keys(channelArn=created["arn"], nextToken="bm90LWEtdG9rZW4")


def test_core_ivs_adapter_works_unchanged_against_the_local_aws(ivs):
    # GIVEN the project's IVS adapter on a client for the local AWS
    adapter = Ivs(ivs)
    name = f"core-{uuid.uuid4().hex[:12]}"

    # WHEN it creates a channel, finds it again and asks for its stream key
    channel, key = adapter.create_channel(name, "BASIC", "LOW", {"project": "test"})
    found = adapter.find_channel(name)
    again = adapter.stream_key(channel.arn)

    # THEN it finds the same channel and gets the key CreateChannel returned
    assert found == channel
    assert again == key
