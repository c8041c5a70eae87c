"""Accounts: provisioning and preferences, as any client of the API sees them."""

from __future__ import annotations

import asyncio

from emulator.local_aws.clients import client
from tests.stacks import Api

ME = "{ me { id username email channelType latencyMode isPrivate streamKey ingestServerUrl channel { id username avatar color isLive followerCount } } }"


async def test_me_is_null_until_the_account_is_provisioned(api: Api) -> None:
    user = api.user("fresh")
    reply = await api.as_user(user, ME)
    assert reply.status == 200
    assert reply.body == {"data": {"me": None}}


async def test_create_resources_provisions_a_channel_once(api: Api) -> None:
    # GIVEN a signed-in user without a channel
    user = api.user("maker")
    # WHEN createResources runs twice
    first = await api.as_user(
        user, "mutation { createResources { id username email channel { id username } streamKey } }"
    )
    second = await api.as_user(user, "mutation { createResources { id channel { id } streamKey } }")
    # THEN both return the same account and channel, with the user's e-mail and a stream key
    account = first.data["createResources"]
    assert first.errors == []
    assert account["username"] == user
    assert account["email"] == f"{user}@example.com"
    assert account["streamKey"].startswith("sk_")
    assert second.data["createResources"]["channel"]["id"] == account["channel"]["id"]
    assert second.data["createResources"]["streamKey"] == account["streamKey"]
    me = await api.as_user(user, ME)
    assert me.data["me"]["channel"] == {
        "id": account["channel"]["id"],
        "username": user,
        "avatar": "bear",
        "color": "blue",
        "isLive": False,
        "followerCount": 0,
    }


async def test_concurrent_create_resources_yield_one_ivs_channel(api: Api) -> None:
    user = api.user("racer")
    replies = await asyncio.gather(
        *(api.as_user(user, "mutation { createResources { channel { id } } }") for _ in range(5))
    )
    ids = {r.data["createResources"]["channel"]["id"] for r in replies if r.data and r.data["createResources"]}
    assert all(r.errors == [] for r in replies), [r.errors for r in replies]
    assert len(ids) == 1
    ivs = client(api.resources.endpoint, "ivs")
    sub = (await api.as_user(user, "{ me { id } }")).data["me"]["id"]
    named = ivs.list_channels(filterByName=f"ugc-live-local-{sub}")["channels"]
    assert len(named) == 1


async def test_update_preferences_changes_only_known_presets(api: Api) -> None:
    user = await api.provisioned("painter")
    reply = await api.as_user(
        user, 'mutation { updatePreferences(input: {color: "salmon", avatar: "tiger"}) { channel { color avatar } } }'
    )
    assert reply.data == {"updatePreferences": {"channel": {"color": "salmon", "avatar": "tiger"}}}


async def test_unknown_preferences_are_refused_naming_the_field_and_change_nothing(api: Api) -> None:
    user = await api.provisioned("painter")
    reply = await api.as_user(user, 'mutation { updatePreferences(input: {color: "red", avatar: "tiger"}) { id } }')
    assert reply.error_types() == ["ValidationError"]
    assert reply.errors[0]["message"].startswith("input.color: unknown color 'red'")
    me = await api.as_user(user, "{ me { channel { color avatar } } }")
    assert me.data["me"]["channel"] == {"color": "blue", "avatar": "bear"}


async def test_preferences_before_provisioning_say_what_to_do(api: Api) -> None:
    user = api.user("early")
    reply = await api.as_user(user, 'mutation { updatePreferences(input: {color: "green"}) { id } }')
    assert reply.error_types() == ["NotProvisioned"]
    assert "createResources" in reply.errors[0]["message"]


async def test_anonymous_callers_cannot_read_me(api: Api) -> None:
    reply = await api.anonymous("{ me { id } }")
    assert reply.status == 200
    assert reply.data == {"me": None}
    assert reply.errors[0]["errorType"] == "Unauthorized"
    assert reply.errors[0]["message"] == "Not Authorized to access me on type Query"


async def test_a_new_channel_records_and_plays_by_the_stage_s_rules_and_carries_its_owner_s_tags(api: Api) -> None:
    # GIVEN the local stage, which records, and its playback restriction policy
    resources = api.resources
    assert resources.recording_configuration_arn and resources.playback_restriction_policy_arn
    # WHEN a user's resources are created
    username = await api.provisioned("rec")
    account = api.core().accounts.by_username(username)
    assert account is not None and account.channel_arn and account.stream_key_arn
    # THEN the channel is created with both
    ivs = api.core().clients.ivs
    channel = ivs.get_channel(arn=account.channel_arn)["channel"]
    assert channel["recordingConfigurationArn"] == resources.recording_configuration_arn
    assert channel["playbackRestrictionPolicyArn"] == resources.playback_restriction_policy_arn
    # AND the channel and its stream key carry the stage and the owner
    expected = {"project": "ugc-live", "stage": "local", "ownerSub": account.sub}
    for arn in (account.channel_arn, account.stream_key_arn):
        assert ivs.list_tags_for_resource(resourceArn=arn)["tags"] == expected
    # AND the policy allows the local frontend's origin
    policy = ivs.get_playback_restriction_policy(arn=resources.playback_restriction_policy_arn)
    assert policy["playbackRestrictionPolicy"]["allowedOrigins"] == ["http://localhost:3000"]
