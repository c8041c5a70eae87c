"""Services and operations the extension layer does not answer reach moto unchanged."""

from __future__ import annotations

import uuid

import requests


def test_dynamodb_table_round_trip_goes_to_moto(local_aws_client):
    # GIVEN the local AWS's DynamoDB
    dynamodb = local_aws_client("dynamodb")
    name = f"passthrough-{uuid.uuid4().hex[:8]}"

    # WHEN a table is created and an item written and read
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
    )
    dynamodb.put_item(TableName=name, Item={"PK": {"S": "a"}, "n": {"N": "1"}})
    item = dynamodb.get_item(TableName=name, Key={"PK": {"S": "a"}})["Item"]

    # THEN moto stored it
    assert item == {"PK": {"S": "a"}, "n": {"N": "1"}}
    assert name in dynamodb.list_tables()["TableNames"]


def test_cognito_signed_and_unsigned_calls_go_to_moto(local_aws_client):
    # GIVEN a user pool and client made through signed admin calls
    cognito = local_aws_client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"pool-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]

    # WHEN a user signs up through the unsigned SignUp call (X-Amz-Target, no SigV4)
    signed_up = cognito.sign_up(
        ClientId=client_id,
        Username="bob",
        Password="Str0ng!Pass",
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}],
    )

    # THEN moto created the user
    assert signed_up["UserConfirmed"] is False
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="bob")["Username"] == "bob"


def test_secrets_manager_goes_to_moto(local_aws_client):
    # GIVEN the local AWS's Secrets Manager
    secrets = local_aws_client("secretsmanager")
    name = f"passthrough/{uuid.uuid4().hex[:8]}"

    # WHEN a secret is stored and read back
    secrets.create_secret(Name=name, SecretString="s3cr3t")

    # THEN moto returns it
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == "s3cr3t"


def test_moto_dashboard_api_is_reachable(local_aws):
    # GIVEN the running local AWS
    # WHEN moto's own API (not an AWS call) is requested
    response = requests.get(f"{local_aws.endpoint}/moto-api/data.json", timeout=5)
    body = response.json()

    # THEN moto answers it, through the gateway
    assert response.status_code == 200
    assert isinstance(body, dict)
