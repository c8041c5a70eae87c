import uuid

import pytest

from emulator.local_aws.bootstrap import app_client_kwargs, user_pool_kwargs
from emulator.local_aws.testing import local_aws, local_aws_client, local_functions, local_resources

__all__ = ["local_aws", "local_aws_client", "local_functions", "local_resources"]


@pytest.fixture(scope="module")
def pool(local_aws_client):
    """A pool made from the project's definitions (case-insensitive, the preferred_username alias), without
    triggers, and its web app client: (pool id, client id). A module may define its own."""
    cognito = local_aws_client("cognito-idp")
    pool_id = cognito.create_user_pool(**user_pool_kwargs(f"pool-{uuid.uuid4().hex[:8]}"))["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(**app_client_kwargs(pool_id, "web"))["UserPoolClient"]["ClientId"]
    return pool_id, client_id


@pytest.fixture
def cognito(local_aws_client):
    return local_aws_client("cognito-idp")
