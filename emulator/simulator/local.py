"""Calls to the local AWS's own endpoints (`/_local/...`), and the simulator's errors."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import requests

from client.errors import TransportError, UGCError

TIMEOUT_SECONDS = 10


class SimulationError(UGCError):
    """The local AWS refused what the simulator asked (a channel already live, an unknown channel...)."""


def local_call(
    method: str,
    url: str,
    body: Mapping[str, Any] | None = None,
    *,
    accept: Collection[int] = (),
    refusals: Mapping[int, str] | None = None,
) -> tuple[int, Any]:
    """(status, JSON body) of a local endpoint's answer: success, or one of the `accept`ed statuses.
    Other statuses raise SimulationError, worded by `refusals` when it has the status."""
    try:
        response = requests.request(method, url, json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise TransportError(f"cannot reach the local AWS at {url} (is `ugc dev` running?): {exc}") from exc
    try:
        answer = response.json() if response.content else None
    except ValueError:
        answer = None
    if response.ok or response.status_code in accept:
        return response.status_code, answer
    reason = answer.get("message") if isinstance(answer, dict) else response.text.strip()[:200]
    if refusals and response.status_code in refusals:
        raise SimulationError(f"{refusals[response.status_code]} ({reason})")
    raise SimulationError(f"{method} {url}: HTTP {response.status_code}: {reason}")
