"""What every IVS channel of a stage is created with (`infra.definitions.StageConfig`):

- the stage's playback restriction policy: the origins (by default the frontend's) and countries
  allowed to play, and whether origins are enforced strictly;
- where the stage records (`recording: true`): an IVS recording configuration writing to a private,
  encrypted recordings bucket, with thumbnails and the renditions the stage asks for, and an optional
  retention.

IVS writes to the bucket with its service-linked role (AWSServiceRoleForIVSRecordToS3, made by IVS
when the first configuration is created), so the bucket needs no policy beyond TLS-only access.
"""

from __future__ import annotations

from aws_cdk import CfnTag, Duration
from aws_cdk import aws_ivs as ivs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.stage import removal_policy
from infra.definitions import THUMBNAIL_STORAGE, StageConfig, allowed_origins


class Video(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, project: str) -> None:
        super().__init__(scope, construct_id)
        tags = [CfnTag(key="project", value=project), CfnTag(key="stage", value=config.stage)]
        self.policy = ivs.CfnPlaybackRestrictionPolicy(
            self,
            "PlaybackRestrictionPolicy",
            allowed_origins=list(allowed_origins(config)),
            allowed_countries=list(config.playback_allowed_countries),
            enable_strict_origin_enforcement=config.playback_strict_origin,
            tags=tags,
        )
        self.recordings: s3.Bucket | None = None
        self.recording: ivs.CfnRecordingConfiguration | None = None
        if not config.recording:
            return
        retention = config.recording_retention_days
        self.recordings = s3.Bucket(
            self,
            "Recordings",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention))] if retention else None,
            removal_policy=removal_policy(config),
            auto_delete_objects=not config.retain_data,
        )
        renditions = (
            ivs.CfnRecordingConfiguration.RenditionConfigurationProperty(
                rendition_selection="CUSTOM", renditions=list(config.recording_renditions)
            )
            if config.recording_renditions
            else ivs.CfnRecordingConfiguration.RenditionConfigurationProperty(rendition_selection="ALL")
        )
        self.recording = ivs.CfnRecordingConfiguration(
            self,
            "RecordingConfiguration",
            destination_configuration=ivs.CfnRecordingConfiguration.DestinationConfigurationProperty(
                s3=ivs.CfnRecordingConfiguration.S3DestinationConfigurationProperty(
                    bucket_name=self.recordings.bucket_name
                )
            ),
            thumbnail_configuration=ivs.CfnRecordingConfiguration.ThumbnailConfigurationProperty(
                recording_mode="INTERVAL",
                target_interval_seconds=config.recording_thumbnail_interval_seconds,
                storage=list(THUMBNAIL_STORAGE),
            ),
            rendition_configuration=renditions,
            tags=tags,
        )

    @property
    def recording_configuration_arn(self) -> str:
        return self.recording.attr_arn if self.recording is not None else ""
