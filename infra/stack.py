"""One deployment stage: the constructs composed, and the outputs a client needs to reach them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.data import Data
from infra.constructs.functions import Functions
from infra.constructs.secrets import Secrets
from infra.definitions import OUTPUTS, StageConfig, function_settings


class UgcStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        assets: Mapping[str, Path],
        schema_file: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        auth = Auth(self, "Auth", retain=config.retain_data)
        data = Data(self, "Data", retain=config.retain_data)
        secrets = Secrets(self, "Secrets")
        settings = function_settings(
            config,
            region=self.region,
            table_name=data.table.table_name,
            user_pool_id=auth.user_pool.user_pool_id,
            pagination_secret_arn=secrets.pagination.secret_arn,
        )
        functions = Functions(
            self,
            "Functions",
            config=config,
            assets=assets,
            environment=settings.to_env(),
            table=data.table,
            pagination_secret=secrets.pagination,
        )
        api = Api(
            self,
            "Api",
            config=config,
            schema_file=schema_file,
            user_pool=auth.user_pool,
            functions=functions.by_name,
        )
        Tags.of(self).add("project", settings.project_tag)
        Tags.of(self).add("stage", config.stage)

        outputs = {
            OUTPUTS.graphql_url: api.api.graphql_url,
            OUTPUTS.api_id: api.api.api_id,
            OUTPUTS.user_pool_id: auth.user_pool.user_pool_id,
            OUTPUTS.user_pool_client_id: auth.client.user_pool_client_id,
            OUTPUTS.region: self.region,
            OUTPUTS.stage: config.stage,
        }
        if api.api.api_key is not None:
            # Not a secret: it only lets anonymous clients read public fields, and every client ships it.
            outputs[OUTPUTS.api_key] = api.api.api_key
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
