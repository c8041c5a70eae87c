"""Publishes to the GraphQL API with IAM (SigV4): the `publish*` mutations whose results AppSync fans
out to subscribers. The same code path against AppSync and the local AppSync."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from core.aws import http_session

# Every field is selected: subscribers receive only what the mutation selected.
CHANNEL_STATE = """mutation Publish($input: ChannelStateInput!) {
  publishChannelState(input: $input) { channelId username isLive liveSince sessionId }
}"""
STREAM_EVENT = """mutation Publish($input: StreamEventInput!) {
  publishStreamEvent(input: $input) { id channelId sessionId name type eventTime isError }
}"""
STREAM_METRICS = """mutation Publish($input: StreamMetricsInput!) {
  publishStreamMetrics(input: $input) { channelId sessionId series { name period points { timestamp value } } }
}"""


class PublishError(RuntimeError):
    pass


class Publisher:
    def __init__(self, graphql_url: str, region: str, session: botocore.session.Session | None = None) -> None:
        if not graphql_url:
            raise PublishError("GRAPHQL_URL is not set for this function")
        self._url = graphql_url
        self._region = region
        self._session = session or botocore.session.get_session()
        self._http = http_session(timeout=10)

    def publish(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": document, "variables": variables})
        request = AWSRequest(method="POST", url=self._url, data=body, headers={"content-type": "application/json"})
        credentials = self._session.get_credentials()
        if credentials is None:
            raise PublishError("no AWS credentials to sign the publish request with")
        SigV4Auth(credentials.get_frozen_credentials(), "appsync", self._region).add_auth(request)
        response = self._http.send(request.prepare())
        text = response.content.decode() if response.content else ""
        if response.status_code != 200:
            raise PublishError(f"publish failed with HTTP {response.status_code}: {text[:300]}")
        result: dict[str, Any] = json.loads(text)
        if result.get("errors"):
            raise PublishError(f"publish failed: {result['errors']}")
        return result

    def channel_state(self, state: dict[str, Any]) -> None:
        self.publish(CHANNEL_STATE, {"input": state})

    def stream_event(self, event: dict[str, Any]) -> None:
        self.publish(STREAM_EVENT, {"input": event})

    def stream_metrics(self, metrics: dict[str, Any]) -> None:
        self.publish(STREAM_METRICS, {"input": metrics})
