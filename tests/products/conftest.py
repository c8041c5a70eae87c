from emulator.local_aws.testing import local_aws, local_aws_client, local_resources

__all__ = ["local_aws", "local_aws_client", "local_resources"]
