"""The composition root every Lambda builds once per container from validated settings."""

from __future__ import annotations

from functools import cached_property

from core.accounts import Accounts
from core.aws import Clients
from core.channels import Channels
from core.follows import Follows
from core.ivs import Ivs
from core.pagination import PageTokens
from core.settings import Settings
from core.store import Table


class Core:
    def __init__(self, settings: Settings, clients: Clients | None = None) -> None:
        self.settings = settings
        self.clients = clients or Clients(settings.region)
        self._secret: bytes | None = None

    def _pagination_secret(self) -> bytes:
        # Read on first use (not at cold start) and kept for the container's life.
        if self._secret is None:
            out = self.clients.secretsmanager.get_secret_value(SecretId=self.settings.pagination_secret_arn)
            self._secret = str(out["SecretString"]).encode()
        return self._secret

    @cached_property
    def table(self) -> Table:
        return Table(self.clients.dynamodb, self.settings.table_name)

    @cached_property
    def tokens(self) -> PageTokens:
        return PageTokens(self._pagination_secret)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.table, lambda: Ivs(self.clients.ivs), self.settings)

    @cached_property
    def channels(self) -> Channels:
        return Channels(self.table, self.tokens)

    @cached_property
    def follows(self) -> Follows:
        return Follows(self.table, self.accounts, self.tokens)
