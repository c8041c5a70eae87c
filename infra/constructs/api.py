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
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.constructs.stage import log_retention, removal_policy
from infra.definitions import API, ApiDefinition, AuthMode, StageConfig
from infra.sdl import iam_only_fields
from schema import LambdaField, LocalField, lambda_fields, local_fields


def local_resolver_code(argument: str) -> str:
    """APPSYNC_JS for a local resolver: the NONE data source's result is the `argument` as sent."""
    if not argument.isidentifier():
        raise ValueError(f"not a GraphQL argument name: {argument!r}")
    return (
        f"export function request(ctx) {{ return {{ payload: ctx.args.{argument} }}; }}\n"
        "export function response(ctx) { return ctx.result; }\n"
    )


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
        self._add_local_resolvers(local_fields())
        self.web_acl: wafv2.CfnWebACL | None = None
        if config.waf_rate_limit is not None:
            self._rate_limit(config.waf_rate_limit)

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
                max_batch_size=self._batch_size(field),
            )

    def _add_local_resolvers(self, fields: Sequence[LocalField]) -> None:
        """A NONE data source, and per field a JS resolver whose result is the field's argument: publishing
        reaches the subscribers without invoking a Lambda."""
        if not fields:
            return
        data_source = self.api.add_none_data_source("LocalDataSource", description="Publish-only mutations")
        for field in fields:
            data_source.create_resolver(
                f"{field.type_name}{field.field_name[:1].upper()}{field.field_name[1:]}Resolver",
                type_name=field.type_name,
                field_name=field.field_name,
                runtime=appsync.FunctionRuntime.JS_1_0_0,
                code=appsync.Code.from_inline(local_resolver_code(field.argument)),
            )

    def _batch_size(self, field: LambdaField) -> int | None:
        """A batch field's maxBatchSize: the stage's, when it sets one, else the field's own. None for a
        field resolved one at a time (the stage option never turns batching on)."""
        if not field.max_batch_size:
            return None
        return self._config.api_max_batch_size or field.max_batch_size

    def _rate_limit(self, limit: int) -> None:
        """A regional WAF web ACL on the API: requests from one IP beyond `limit` in 5 minutes are blocked
        (AppSync answers 403) until the rate falls back under it."""
        visibility = wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=f"ugc-{self._config.stage}-api", sampled_requests_enabled=True
        )
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility,
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="RatePerIp",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=limit, aggregate_key_type="IP"
                        )
                    ),
                    visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                        cloud_watch_metrics_enabled=True,
                        metric_name=f"ugc-{self._config.stage}-api-rate",
                        sampled_requests_enabled=True,
                    ),
                )
            ],
        )
        self.web_acl = acl
        wafv2.CfnWebACLAssociation(self, "WebAclAssociation", resource_arn=self.api.arn, web_acl_arn=acl.attr_arn)

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
