"""`ugc outputs`: the client configuration of a deployed stage, from its CloudFormation outputs, in the
same Amplify outputs format the local stack writes, so clients switch between them by file."""

from __future__ import annotations

from typing import Any

from client.errors import ConfigError


def outputs_from_stack(stage: str, cloudformation: Any) -> dict[str, Any]:
    # The builder and the output names are the ones the local stack and CDK use.
    from emulator.outputs import amplify_outputs
    from infra.definitions import OUTPUTS, stack_name

    name = stack_name(stage)
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as exc:
        raise ConfigError(f"no deployed stack {name}: {exc.response['Error'].get('Message', exc)}") from exc
    values = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    needed = (OUTPUTS.graphql_url, OUTPUTS.user_pool_id, OUTPUTS.user_pool_client_id, OUTPUTS.region, OUTPUTS.api_key)
    missing = [key for key in needed if not values.get(key)]
    if missing:
        raise ConfigError(f"stack {name} lacks the outputs {', '.join(missing)}; deploy it with this version")
    return amplify_outputs(
        region=values[OUTPUTS.region],
        user_pool_id=values[OUTPUTS.user_pool_id],
        user_pool_client_id=values[OUTPUTS.user_pool_client_id],
        graphql_url=values[OUTPUTS.graphql_url],
        api_key=values[OUTPUTS.api_key],
        stage=values.get(OUTPUTS.stage, stage),
    )
