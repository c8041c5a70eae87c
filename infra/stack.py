"""One deployment stage: the constructs composed, and the outputs a client needs to reach them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from core.settings import PROJECT_TAG
from infra.constructs.api import Api
from infra.constructs.assets import Assets
from infra.constructs.auth import Auth
from infra.constructs.data import Data
from infra.constructs.functions import Functions
from infra.constructs.monitoring import Monitoring
from infra.constructs.private_channels import PrivateChannels
from infra.constructs.queues import Queues
from infra.constructs.recordings import RecordingsDelivery
from infra.constructs.secrets import Secrets
from infra.constructs.teardown import StageTeardown
from infra.constructs.triggers import Triggers
from infra.constructs.video import Video
from infra.definitions import (
    FUNCTIONS,
    OUTPUTS,
    PLAYBACK_KEY_FUNCTION,
    STAGE_TEARDOWN_FUNCTION,
    StageConfig,
    function_env,
    function_settings,
)
from infra.nag import suppress


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
        secrets = Secrets(self, "Secrets", config=config)
        private_channels = PrivateChannels(
            self,
            "PrivateChannels",
            config=config,
            asset=assets[PLAYBACK_KEY_FUNCTION.name],
            secret=secrets.playback_key,
        )
        uploads = Assets(self, "Assets", config=config)
        # The API before the functions: publishers get its URL and grants on its mutations. Its resolvers
        # come after (add_lambda_resolvers), once the function they invoke exists.
        api = Api(self, "Api", config=config, schema_file=schema_file, user_pool=auth.user_pool)
        queues = Queues(self, "Queues")
        video = Video(self, "Video", config=config, project=PROJECT_TAG)
        delivery = (
            RecordingsDelivery(
                self, "Recordings", config=config, bucket=video.recordings, key_maker=private_channels.key_maker
            )
            if video.recordings is not None
            else None
        )
        settings = function_settings(
            config,
            region=self.region,
            table_name=data.table.table_name,
            user_pool_id=auth.user_pool.user_pool_id,
            pagination_secret_arn=secrets.pagination.secret_arn,
            assets_bucket=uploads.bucket.bucket_name,
            assets_base_url=uploads.base_url,
            graphql_url=api.api.graphql_url,
            playback_key_secret_arn=private_channels.secret_arn,
            product_api_secret_arn=secrets.product_api.secret_arn if secrets.product_api else "",
            following_queue_url=queues.by_name["following"].queue_url,
            recording_configuration_arn=video.recording_configuration_arn,
            playback_restriction_policy_arn=video.policy.attr_arn,
            recordings_bucket=video.recordings.bucket_name if video.recordings else "",
            recordings_base_url=delivery.base_url if delivery else "",
            recordings_key_id=delivery.key_id if delivery else "",
            recordings_key_secret_arn=delivery.secret_arn if delivery else "",
        )
        functions = Functions(
            self,
            "Functions",
            config=config,
            assets=assets,
            # Less what a function may not know (see function_env): Cognito's triggers get no USER_POOL_ID,
            # and only the publishers get GRAPHQL_URL.
            environments={name: function_env(definition, settings) for name, definition in FUNCTIONS.items()},
            table=data.table,
            pagination_secret=secrets.pagination,
            playback_key_secret=secrets.playback_key,
            product_api_secret=secrets.product_api,
            user_pool=auth.user_pool,
            assets_bucket=uploads.bucket,
            graphql_api=api.api,
            publish_mutations=api.iam_only_mutations,
            queues=queues.by_name,
            recordings_bucket=video.recordings,
            recordings_key_secret=delivery.secret if delivery else None,
        )
        queues.connect(functions.by_name)
        triggers = Triggers(
            self, "Triggers", user_pool=auth.user_pool, assets_bucket=uploads.bucket, functions=functions.by_name
        )
        api.add_lambda_resolvers(functions.by_name)
        # The IVS channels and chat rooms made for this stage's streamers: switched to the stage's video settings
        # on each deployment, and deleted with the stack where it does not keep data.
        teardown = StageTeardown(
            self,
            "Teardown",
            config=config,
            asset=assets[STAGE_TEARDOWN_FUNCTION.name],
            project=settings.project_tag,
            recording_configuration_arn=video.recording_configuration_arn,
            playback_restriction_policy_arn=video.policy.attr_arn,
        )
        deploy_time: list[Construct] = [private_channels, teardown]
        monitoring = None
        if config.alarms:
            monitoring = Monitoring(
                self,
                "Monitoring",
                config=config,
                api=api.api,
                functions=functions.by_name,
                rules=triggers.rules,
                dead_letters=queues.dead_letters,
            )
        # The cdk-nag findings this design accepts, each with its reason (infra.nag).
        suppress(
            self,
            bucket=uploads.bucket,
            distributions={
                "public profile images": uploads.distribution,
                **({"recordings": delivery.distribution} if delivery else {}),
            },
            user_pool=auth.user_pool,
            secrets=[
                s
                for s in (secrets.pagination, secrets.playback_key, secrets.product_api, delivery and delivery.secret)
                if s
            ],
            deploy_time=deploy_time,
            api=api.api,
            alarm_topic=monitoring.topic if monitoring else None,
            recordings=video.recordings,
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
            OUTPUTS.assets_bucket: uploads.bucket.bucket_name,
            OUTPUTS.assets_base_url: uploads.base_url,
            OUTPUTS.playback_key_pair_arn: private_channels.key_pair.attr_arn,
        }
        if monitoring is not None:
            # Subscribe whatever should hear about alarms (chat, paging) to this topic.
            outputs[OUTPUTS.alarm_topic_arn] = monitoring.topic.topic_arn
        if secrets.product_api is not None:
            # Where the operator puts the Associates credentials (README: product search).
            outputs[OUTPUTS.product_api_secret_arn] = secrets.product_api.secret_arn
        if delivery is not None:
            # Where recordings are served from (for operators: players get signed URLs from the API).
            outputs[OUTPUTS.recordings_base_url] = delivery.base_url
        if api.api.api_key is not None:
            # Not a secret: it only lets anonymous clients read public fields, and every client ships it.
            outputs[OUTPUTS.api_key] = api.api.api_key
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
