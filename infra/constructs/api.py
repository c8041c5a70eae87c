"""The GraphQL API: AppSync from `schema.graphql`, its auth modes from `infra.definitions.API`, and one
Direct Lambda resolver per entry of `schema.lambda_fields()`.

Built in two steps: the API first, so that the functions that call it (the publishers) can be given its
URL and grants, then `add_lambda_resolvers` once the functions exist. The GraphQLApi resource names no
function (only its data sources do, and nothing depends on those), so a function naming the API makes
no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, Expiration
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.stage import log_retention, removal_policy
from infra.definitions import API, ApiDefinition, AuthMode, StageConfig
from infra.sdl import iam_only_fields
from schema import LambdaField, lambda_fields


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        schema_file: Path,
        user_pool: cognito.IUserPool,
        definition: ApiDefinition = API,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._user_pool = user_pool
        # Read from the file AppSync deploys, so grants follow the deployed schema, not a copy of it.
        self.iam_only_mutations = iam_only_fields(
            schema_file.read_text(), "Mutation", default_auth=definition.default_auth
        )
        self.api = appsync.GraphqlApi(
            self,
            "GraphqlApi",
            name=f"ugc-{config.stage}",
            definition=appsync.Definition.from_file(str(schema_file)),
            authorization_config=appsync.AuthorizationConfig(
                default_authorization=self._auth_mode(definition.default_auth),
                additional_authorization_modes=[self._auth_mode(m) for m in definition.additional_auth],
            ),
            # None, not 0, when off: 0 is AppSync's default and the template then leaves the key out.
            query_depth_limit=config.api_query_depth_limit or None,
            resolver_count_limit=config.api_resolver_count_limit or None,
            introspection_config=(
                appsync.IntrospectionConfig.ENABLED
                if config.api_introspection
                else appsync.IntrospectionConfig.DISABLED
            ),
            xray_enabled=config.api_xray,
        )
        self._log_errors()

    def add_lambda_resolvers(
        self, functions: Mapping[str, lambda_.IFunction], fields: Sequence[LambdaField] | None = None
    ) -> None:
        """One Direct Lambda resolver per field (default: `schema.lambda_fields()`), one data source per
        function they name."""
        data_sources: dict[str, appsync.LambdaDataSource] = {}
        for field in lambda_fields() if fields is None else fields:
            if field.function not in data_sources:
                data_sources[field.function] = self.api.add_lambda_data_source(
                    f"{field.function}DataSource", functions[field.function]
                )
            # No mapping templates: a Direct Lambda resolver, the handler gets AppSync's event as is.
            # A batch size turns on BatchInvoke (one call for up to that many sibling fields).
            data_sources[field.function].create_resolver(
                f"{field.type_name}{field.field_name[:1].upper()}{field.field_name[1:]}Resolver",
                type_name=field.type_name,
                field_name=field.field_name,
                max_batch_size=field.max_batch_size or None,
            )

    def _log_errors(self) -> None:
        """Resolver logs (the stage's `api_log_level`) to CloudWatch, with the stage's retention.

        Set on the CfnGraphQLApi rather than through `log_config`, for which CDK adds a custom-resource
        Lambda to set the retention, and a role allowed to write every log group in the account. Here the
        group is created up front (at the name AppSync writes to) and the role may write only to it.
        """
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/appsync/apis/{self.api.api_id}",
            retention=log_retention(self._config.log_retention_days),
            removal_policy=removal_policy(self._config),
        )
        role = iam.Role(self, "LogsRole", assumed_by=iam.ServicePrincipal("appsync.amazonaws.com"))
        log_group.grant_write(role)
        cfn_api = self.api.node.default_child
        if not isinstance(cfn_api, appsync.CfnGraphQLApi):
            raise TypeError("GraphqlApi no longer wraps a CfnGraphQLApi")
        cfn_api.log_config = appsync.CfnGraphQLApi.LogConfigProperty(
            cloud_watch_logs_role_arn=role.role_arn,
            # The stage's level (errors by default), and never headers or tokens ("verbose content").
            field_log_level=self._config.api_log_level,
            exclude_verbose_content=True,
        )

    def _auth_mode(self, mode: AuthMode) -> appsync.AuthorizationMode:
        if mode == "AMAZON_COGNITO_USER_POOLS":
            return appsync.AuthorizationMode(
                authorization_type=appsync.AuthorizationType.USER_POOL,
                user_pool_config=appsync.UserPoolConfig(user_pool=self._user_pool),
            )
        if mode == "API_KEY":
            return appsync.AuthorizationMode(
                authorization_type=appsync.AuthorizationType.API_KEY,
                api_key_config=appsync.ApiKeyConfig(
                    description=f"Public read access ({self._config.stage})",
                    # Counted from synth time, so every deploy pushes the expiry out again.
                    expires=Expiration.after(Duration.days(self._config.api_key_expiry_days)),
                ),
            )
        if mode == "AWS_IAM":
            return appsync.AuthorizationMode(authorization_type=appsync.AuthorizationType.IAM)
        raise ValueError(f"unsupported AppSync auth mode {mode!r}")
