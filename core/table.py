"""The single DynamoDB table: its keys and indexes, written once.

CDK (`infra/`) and the local bootstrap (`emulator/`) both build the table from `TABLE`; core reads
index and attribute names from here. Item layout (see docs/architecture.md for the access patterns):

| item        | PK              | SK                 | index attributes                                    |
|-------------|-----------------|--------------------|-----------------------------------------------------|
| account     | USER#<sub>      | ACCOUNT            | usernameKey (byUsername), channelId (byChannel),     |
|             |                 |                    | liveKey + liveSince while live (live, sparse)       |
| username    | USERNAME#<name> | USERNAME           | - (case-insensitive uniqueness)                      |
| follow      | USER#<follower> | FOLLOW#<channelId> | followersKey = <channelId>#<shard> (followers: a     |
|             |                 |                    | channel's followers, FOLLOWER_SHARDS partitions),   |
|             |                 |                    | followOrder (following: live first, then by follow) |
| e-mail      | EMAIL#<email>   | EMAIL              | pendingKey + pendingSince until confirmed (pending)  |
| ban         | USER#<owner>    | BAN#<bannedSub>    | bannedSub (banned: a user's bans on every channel)   |
| session     | SESSION#<id>    | SESSION            | sessionsKey + sessionStart (sessions: per owner),    |
|             |                 |                    | snapshotDueKey + snapshotDueAt (metrics snapshots)   |
| event       | SESSION#<id>    | EVENT#<time>#<id>  | - (one Query reads a session with its events)        |
| watch       | WATCHED         | CHANNEL#<channelId>| - (its owner has the stream health dashboard open;  |
|             |                 |                    | expiresAt, the table TTL, ends it)                   |

Username and e-mail reservations are taken in PreSignUp (before the Cognito user exists) and carry
`pendingKey` until PostConfirmation, so the cleanup job can free the ones never confirmed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

Projection = Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None
    projection: Projection = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDefinition:
    partition_key: str
    sort_key: str
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    # Epoch seconds after which DynamoDB may delete the item (table TTL).
    ttl_attribute: str | None = None

    def attribute_names(self) -> list[str]:
        """Every key attribute (all strings), in a stable order."""
        names = [self.partition_key, self.sort_key]
        for index in self.indexes:
            for name in (index.partition_key, index.sort_key):
                if name and name not in names:
                    names.append(name)
        return names

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Arguments for DynamoDB CreateTable (what the local bootstrap calls)."""
        gsis = []
        for index in self.indexes:
            key_schema = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
            if index.sort_key:
                key_schema.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
            projection: dict[str, Any] = {"ProjectionType": index.projection}
            if index.projection == "INCLUDE":
                projection["NonKeyAttributes"] = list(index.non_key_attributes)
            gsis.append({"IndexName": index.name, "KeySchema": key_schema, "Projection": projection})
        return {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in self.attribute_names()],
            "KeySchema": [
                {"AttributeName": self.partition_key, "KeyType": "HASH"},
                {"AttributeName": self.sort_key, "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": gsis,
        }


BY_USERNAME = Index("byUsername", partition_key="usernameKey")
BY_CHANNEL = Index("byChannel", partition_key="channelId", sort_key="SK")
LIVE = Index("live", partition_key="liveKey", sort_key="liveSince")
FOLLOWING = Index(
    "following",
    partition_key="PK",
    sort_key="followOrder",
    projection="INCLUDE",
    # "channelId" is what follow items called their channel before `followedChannel`. It stays listed because
    # CloudFormation replaces an index whose projection changes, and cannot replace one while it creates
    # another (`followers`) in the same update. Reads take the channel from ownerSub.
    non_key_attributes=("channelId", "ownerSub", "followedAt"),
)
# A channel's followers. Re-ranking rewrites followOrder and rankVersion on each of them, which this
# index does not project, so those writes never touch it: it takes one write per follow and unfollow.
FOLLOWERS = Index(
    "followers", partition_key="followersKey", sort_key="PK", projection="INCLUDE", non_key_attributes=("followedAt",)
)

PENDING = Index("pending", partition_key="pendingKey", sort_key="pendingSince")
SESSIONS = Index("sessions", partition_key="sessionsKey", sort_key="sessionStart")
SNAPSHOT_DUE = Index("snapshotDue", partition_key="snapshotDueKey", sort_key="snapshotDueAt", projection="KEYS_ONLY")
BANNED = Index("banned", partition_key="bannedSub", sort_key="PK", projection="KEYS_ONLY")

# Items that carry it (the tombstone of a deleted account) are removed by DynamoDB once it has passed.
TTL_ATTRIBUTE = "expiresAt"

TABLE = TableDefinition(
    partition_key="PK",
    sort_key="SK",
    indexes=(BY_USERNAME, BY_CHANNEL, LIVE, FOLLOWING, FOLLOWERS, PENDING, BANNED, SESSIONS, SNAPSHOT_DUE),
    ttl_attribute=TTL_ATTRIBUTE,
)

# The single partition of the sparse live index. One partition serves thousands of live channels;
# shard it (LIVE#0..n) when a directory outgrows one partition's throughput.
LIVE_PARTITION = "LIVE"
# The one partition of watch items: one item per open stream health dashboard, read once a minute.
WATCHED_PARTITION = "WATCHED"
WATCH_PREFIX = "CHANNEL#"


def user_pk(sub: str) -> str:
    return f"USER#{sub}"


def sub_of(user_partition: str) -> str:
    return user_partition.removeprefix("USER#")


def username_pk(username: str) -> str:
    return f"USERNAME#{username.lower()}"


ACCOUNT_SK = "ACCOUNT"
USERNAME_SK = "USERNAME"
EMAIL_SK = "EMAIL"
FOLLOW_PREFIX = "FOLLOW#"
BAN_PREFIX = "BAN#"
PENDING_PARTITION = "PENDING"
SESSION_SK = "SESSION"
EVENT_PREFIX = "EVENT#"
SNAPSHOT_DUE_PARTITION = "DUE"


def session_pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def session_id_of(session_partition: str) -> str:
    return session_partition.removeprefix("SESSION#")


def event_sk(event_time: str, event_id: str) -> str:
    return f"{EVENT_PREFIX}{event_time}#{event_id}"


def email_pk(email: str) -> str:
    return f"EMAIL#{email.lower()}"


def ban_sk(banned_sub: str) -> str:
    return f"{BAN_PREFIX}{banned_sub}"


def follow_sk(channel_id: str) -> str:
    return f"{FOLLOW_PREFIX}{channel_id}"


# The followers of one channel are spread over this many partitions of the `followers` index (by a hash
# of the follower), so a channel with a million followers is re-ranked by as many jobs in parallel
# (core/ranking.py), and a follow storm on one channel writes to as many index partitions.
FOLLOWER_SHARDS = 16


def followers_key(channel_id: str, shard: int) -> str:
    return f"{channel_id}#{shard}"


def follower_shard(follower_sub: str) -> int:
    return zlib.crc32(follower_sub.encode()) % FOLLOWER_SHARDS
