"""Events into functions, from the registries in `infra.definitions` (the local stack reads the same):
Cognito user pool triggers, EventBridge schedules and event rules, and S3 upload notifications of the
assets bucket."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from infra.definitions import (
    ASSET_UPLOADS,
    COGNITO_TRIGGERS,
    EVENT_RULES,
    FUNCTIONS,
    SCHEDULES,
    AssetUploads,
    EventRule,
    FunctionDefinition,
    Schedule,
)

# Cognito's trigger names (as in the pool's LambdaConfig) -> CDK's operations. The custom sender
# triggers are left out: they also need a KMS key, which nothing here provides.
COGNITO_OPERATIONS: dict[str, cognito.UserPoolOperation] = {
    "PreSignUp": cognito.UserPoolOperation.PRE_SIGN_UP,
    "CustomMessage": cognito.UserPoolOperation.CUSTOM_MESSAGE,
    "PostConfirmation": cognito.UserPoolOperation.POST_CONFIRMATION,
    "PreAuthentication": cognito.UserPoolOperation.PRE_AUTHENTICATION,
    "PostAuthentication": cognito.UserPoolOperation.POST_AUTHENTICATION,
    "PreTokenGeneration": cognito.UserPoolOperation.PRE_TOKEN_GENERATION,
    "DefineAuthChallenge": cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE,
    "CreateAuthChallenge": cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE,
    "VerifyAuthChallengeResponse": cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE,
    "UserMigration": cognito.UserPoolOperation.USER_MIGRATION,
}

# EventBridge pattern keys (top-level event fields) -> CDK's EventPattern arguments. `region` is left out:
# every rule gets the stack's own (see `event_pattern`). `detail` is too: EventRule patterns are flat lists.
_PATTERN_ARGS = {
    "source": "source",
    "detail-type": "detail_type",
    "account": "account",
    "resources": "resources",
    "id": "id",
    "version": "version",
    "time": "time",
}


def event_pattern(name: str, rule: EventRule, region: str) -> events.EventPattern:
    """The rule's pattern, restricted to `region`. The default bus also takes events other regions' rules
    forward to it (cross-Region routing keeps their own `region`); this deployment handles only its own."""
    unknown = [key for key in rule.pattern if key not in _PATTERN_ARGS]
    if unknown:
        raise ValueError(
            f"event rule {name!r}: unsupported pattern keys {', '.join(unknown)} (known: {', '.join(_PATTERN_ARGS)})"
        )
    # Any: EventPattern's arguments are not all lists (`detail` is a mapping), so a typed dict cannot splat.
    values: dict[str, Any] = {_PATTERN_ARGS[key]: list(value) for key, value in rule.pattern.items()}
    return events.EventPattern(**values, region=[region])


def check_cognito_triggers(
    triggers: Mapping[str, str], definitions: Mapping[str, FunctionDefinition] = FUNCTIONS
) -> None:
    """Refuse trigger wiring CloudFormation could not deploy, with a message that says why.

    The pool names its trigger functions, so a trigger function must not name the pool back: not in its
    environment (`knows_user_pool=False` leaves USER_POOL_ID empty), and not in its role policy, which
    is part of the function (the function waits for it), so no `cognito_admin` grant.
    """
    for trigger, name in triggers.items():
        if trigger not in COGNITO_OPERATIONS:
            raise ValueError(f"Cognito trigger {trigger!r}: unsupported (known: {', '.join(COGNITO_OPERATIONS)})")
        if name not in definitions:
            raise ValueError(f"Cognito trigger {trigger!r}: no function {name!r} in FUNCTIONS")
        function = definitions[name]
        if function.knows_user_pool or "cognito_admin" in function.access:
            raise ValueError(
                f"function {name!r} handles Cognito trigger {trigger!r}, so it needs knows_user_pool=False and "
                "no cognito_admin access (the user pool and the function would depend on each other)"
            )


class Triggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        assets_bucket: s3.Bucket,
        functions: Mapping[str, lambda_.IFunction],
        cognito_triggers: Mapping[str, str] = COGNITO_TRIGGERS,
        schedules: Mapping[str, Schedule] = SCHEDULES,
        event_rules: Mapping[str, EventRule] = EVENT_RULES,
        uploads: AssetUploads = ASSET_UPLOADS,
    ) -> None:
        super().__init__(scope, construct_id)
        # Every EventBridge rule (schedules and event rules) by construct id, for alarms on failed deliveries.
        self.rules: dict[str, events.Rule] = {}
        check_cognito_triggers(cognito_triggers)
        for trigger, name in cognito_triggers.items():
            # Also allows cognito-idp.amazonaws.com to invoke the function, for this pool only.
            user_pool.add_trigger(COGNITO_OPERATIONS[trigger], functions[name])

        for name, schedule in schedules.items():
            self.rules[f"{name}Schedule"] = events.Rule(
                self,
                f"{name}Schedule",
                description=f"Runs the {schedule.function} function: {schedule.expression}",
                schedule=events.Schedule.expression(schedule.expression),
                targets=[targets.LambdaFunction(functions[schedule.function])],
            )

        region = Stack.of(self).region
        for name, rule in event_rules.items():
            self.rules[f"{name}Rule"] = events.Rule(
                self,
                f"{name}Rule",
                description=f"Sends matching events of this region to the {rule.function} function",
                # No event_bus: the default bus, where AWS services (IVS among them) put their events.
                event_pattern=event_pattern(name, rule, region),
                # Retries are the defaults, kept on purpose: EventBridge retries an invocation that fails (throttled,
                # Lambda unavailable) for up to 24 h / 185 attempts, and Lambda, invoked asynchronously, retries a
                # failing handler twice. No dead-letter queue, as nothing here would read one: what is dropped
                # shows in the rule's FailedInvocations metric and in the function's error logs.
                targets=[targets.LambdaFunction(functions[rule.function])],
            )

        destination = s3n.LambdaDestination(functions[uploads.function])
        for kind in uploads.kinds:
            # Keys are `<sub>/<kind>`: the suffix picks the kind, and keeps other objects from invoking it.
            assets_bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED, destination, s3.NotificationKeyFilter(suffix=f"/{kind}")
            )
