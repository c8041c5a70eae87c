"""Scheduled: delete sign-ups never confirmed within 24 h and free the names and e-mails they held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.users import PENDING_TTL_SECONDS
from triggers.runtime import core, guarded, logger


def _handle(_event: dict[str, Any]) -> dict[str, int]:
    cognito = core().cognito()
    users = core().users
    cutoff = datetime.now(UTC) - timedelta(seconds=PENDING_TTL_SECONDS)
    deleted = freed = 0
    for user in cognito.unconfirmed():
        if user.created < cutoff:
            cognito.delete_user(user.username)
            users.release([user.username], user.email)
            deleted += 1
    # Reservations whose sign-up never produced a confirmed user (refused by Cognito after PreSignUp,
    # or deleted above on an earlier run).
    for username, email in users.expired_pending():
        if cognito.status(username) in (None, "UNCONFIRMED"):
            cognito.delete_user(username)
            users.release([username], email)
            freed += 1
    logger.info("cleanup", deleted_users=deleted, freed_reservations=freed)
    return {"deletedUsers": deleted, "freedReservations": freed}


handler = guarded(_handle)
