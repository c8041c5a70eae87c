"""The composition root every Lambda builds once per container from validated settings."""

from __future__ import annotations

from functools import cached_property

from core.accounts import Accounts
from core.actions import StreamActions
from core.assets import Assets
from core.aws import Clients
from core.channels import Channels
from core.chat import Chat
from core.cognito import Cognito
from core.deletion import Deletion
from core.follows import Follows
from core.ivs import IvsAdmin
from core.metrics import Metrics
from core.moderation import Moderation
from core.pagination import PageTokens
from core.playback import PlaybackTokens, SigningKey
from core.products import ProductSearch
from core.publisher import Publisher
from core.ranking import FollowRanking
from core.recordings import RecordingLibrary, Recordings, RecordingUrls
from core.sessions import Sessions
from core.settings import Settings, SettingsError
from core.store import Table
from core.users import Users


class Core:
    def __init__(self, settings: Settings, clients: Clients | None = None) -> None:
        self.settings = settings
        self.clients = clients or Clients(settings.region)
        self._secret: bytes | None = None
        self._products: ProductSearch | None = None
        self._playback_key = SigningKey(self._read_playback_key)
        self._recordings_key = SigningKey(self._read_recordings_key)
        self._recording_urls: RecordingUrls | None = None

    def _pagination_secret(self) -> bytes:
        # Read on first use (not at cold start) and kept for the container's life.
        if self._secret is None:
            out = self.clients.secretsmanager.get_secret_value(SecretId=self.settings.pagination_secret_arn)
            self._secret = str(out["SecretString"]).encode()
        return self._secret

    def _read_playback_key(self) -> str:
        if not self.settings.playback_key_secret_arn:
            raise SettingsError("invalid or missing environment variables: PLAYBACK_KEY_SECRET_ARN")
        out = self.clients.secretsmanager.get_secret_value(SecretId=self.settings.playback_key_secret_arn)
        return str(out["SecretString"])

    def _read_recordings_key(self) -> str:
        out = self.clients.secretsmanager.get_secret_value(SecretId=self.settings.recordings_key_secret_arn)
        return str(out["SecretString"])

    def recording_urls(self) -> RecordingUrls | None:
        """Signs recording URLs; None where recordings are not served (no distribution or key for this function).
        One per container: it keeps the key, read on first use, and its signatures."""
        settings = self.settings
        if not (settings.recordings_base_url and settings.recordings_key_id and settings.recordings_key_secret_arn):
            return None
        if self._recording_urls is None:
            self._recording_urls = RecordingUrls(
                settings.recordings_base_url, settings.recordings_key_id, self._recordings_key
            )
        return self._recording_urls

    # Adapters are built on first use, so a cold start creates only the clients its request needs.
    def ivs(self) -> IvsAdmin:
        return IvsAdmin(self.clients.ivs)

    def chat(self) -> Chat:
        return Chat(self.clients.ivschat)

    def assets(self) -> Assets:
        return Assets(self.clients.s3, self.settings.assets_bucket)

    def recordings(self) -> Recordings | None:
        """The stage's recordings, or None where it does not record."""
        if not self.settings.recordings_bucket:
            return None
        return Recordings(self.clients.s3, self.settings.recordings_bucket)

    def cognito(self, user_pool_id: str | None = None) -> Cognito:
        pool = user_pool_id or self.settings.user_pool_id
        if not pool:
            raise SettingsError("invalid or missing environment variables: USER_POOL_ID")
        return Cognito(self.clients.cognito, pool)

    @cached_property
    def table(self) -> Table:
        return Table(self.clients.dynamodb, self.settings.table_name)

    @cached_property
    def tokens(self) -> PageTokens:
        return PageTokens(self._pagination_secret)

    @cached_property
    def users(self) -> Users:
        return Users(self.table, self.settings)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.table, self.ivs, self.settings, self.chat, self.users)

    @cached_property
    def ranking(self) -> FollowRanking:
        return FollowRanking(self.table, self._send_ranking_jobs)

    def _send_ranking_jobs(self, bodies: list[str]) -> None:
        if not self.settings.following_queue_url:
            raise SettingsError("invalid or missing environment variables: FOLLOWING_QUEUE_URL")
        out = self.clients.sqs.send_message_batch(
            QueueUrl=self.settings.following_queue_url,
            Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)],
        )
        if out.get("Failed"):
            # Raised, so the live-state change's own event is retried (a job sent twice is harmless).
            raise RuntimeError(f"SQS refused {len(out['Failed'])} ranking job(s): {out['Failed'][0]}")

    @cached_property
    def channels(self) -> Channels:
        return Channels(self.table, self.tokens, self.ranking)

    @cached_property
    def follows(self) -> Follows:
        return Follows(self.table, self.accounts, self.tokens)

    @cached_property
    def moderation(self) -> Moderation:
        return Moderation(self.table, self.accounts, self.channels, self.chat)

    @cached_property
    def playback(self) -> PlaybackTokens:
        return PlaybackTokens(self.channels, self.moderation, self._playback_key)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.table, self.channels, self.tokens)

    @cached_property
    def recording_library(self) -> RecordingLibrary:
        return RecordingLibrary(self.sessions, self.moderation, self.recordings, self.recording_urls)

    def metrics(self) -> Metrics:
        return Metrics(self.clients.cloudwatch)

    def products(self) -> ProductSearch:
        """PA-API product search. One instance per container, because it carries the container's
        request spacing (1 request/second) and its cached credentials."""
        if not self.settings.product_api_secret_arn:
            raise SettingsError("invalid or missing environment variables: PRODUCT_API_SECRET_ARN")
        if self._products is None:
            self._products = ProductSearch(
                self.clients.secretsmanager,
                self.settings.product_api_secret_arn,
                locale=self.settings.product_api_locale,
                endpoint=self.settings.product_api_endpoint,
                link_region_code=self.settings.product_link_region_code,
            )
        return self._products

    @cached_property
    def publisher(self) -> Publisher:
        """One per container: it signs with the clients' session and keeps its HTTP connection to the API
        (a botocore session per publish was 28% of the stream events handler's time, bench/README.md)."""
        return Publisher(self.settings.graphql_url, self.settings.region, self.clients.session)

    @cached_property
    def actions(self) -> StreamActions:
        return StreamActions(
            self.table, self.accounts, lambda: self.clients.ivs, self.settings.enable_amazon_product_stream_action
        )

    @cached_property
    def deletion(self) -> Deletion:
        return Deletion(
            self.table, self.follows, self.users, self.ivs, self.chat, self.assets, self.cognito, self.recordings
        )
