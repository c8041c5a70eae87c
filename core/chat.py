"""IVS Chat adapter: rooms, tokens and moderation, behind one seam."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.timefmt import iso

VIEW, SEND, DELETE, DISCONNECT = "VIEW_MESSAGE", "SEND_MESSAGE", "DELETE_MESSAGE", "DISCONNECT_USER"
SESSION_MINUTES = 60


@dataclass(frozen=True)
class ChatToken:
    token: str
    session_expiration_time: str
    token_expiration_time: str
    capabilities: tuple[str, ...]


def _when(value: Any) -> str:
    return iso(value) if isinstance(value, datetime) else str(value)


class Chat:
    def __init__(self, client: Any) -> None:
        self._client = client

    def rooms(self, **filters: str) -> Iterator[dict[str, Any]]:
        """ListRooms' summaries (arn, name, tags, ...), page by page (IVS Chat has no paginator)."""
        token: str | None = None
        while True:
            page = self._client.list_rooms(**filters, **({"nextToken": token} if token else {}))
            yield from page.get("rooms", [])
            token = page.get("nextToken")
            if not token:
                return

    def find_room(self, name: str) -> str | None:
        """The ARN of the room with this exact name (adopts what an interrupted attempt created)."""
        return next((str(room["arn"]) for room in self.rooms(name=name) if room["name"] == name), None)

    def create_room(self, name: str, tags: dict[str, str]) -> str:
        return str(self._client.create_room(name=name, tags=tags)["arn"])

    def delete_room(self, room_arn: str) -> None:
        with contextlib.suppress(self._client.exceptions.ResourceNotFoundException):
            self._client.delete_room(identifier=room_arn)

    def token(
        self, room_arn: str, user_id: str, capabilities: tuple[str, ...], attributes: dict[str, str]
    ) -> ChatToken:
        granted = tuple(c for c in capabilities if c != VIEW)
        out = self._client.create_chat_token(
            roomIdentifier=room_arn,
            userId=user_id,
            capabilities=list(granted),
            attributes=attributes,
            sessionDurationInMinutes=SESSION_MINUTES,
        )
        return ChatToken(
            token=out["token"],
            session_expiration_time=_when(out["sessionExpirationTime"]),
            token_expiration_time=_when(out["tokenExpirationTime"]),
            capabilities=(VIEW, *granted),
        )

    def delete_message(self, room_arn: str, message_id: str, reason: str | None) -> None:
        self._client.delete_message(roomIdentifier=room_arn, id=message_id, **({"reason": reason} if reason else {}))

    def disconnect(self, room_arn: str, user_id: str, reason: str) -> None:
        self._client.disconnect_user(roomIdentifier=room_arn, userId=user_id, reason=reason)
