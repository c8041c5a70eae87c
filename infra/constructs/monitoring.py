"""Alarms of a stage (`alarms: true`): what needs an operator, on one SNS topic (with `alarmEmail`
subscribed to it when set). One alarm each for the API's server errors, every function's errors and
throttles, every EventBridge rule's failed deliveries (IVS events or schedules that never reached
their function), and every work queue's dead letters (jobs that failed all their retries). Each fires
on a single occurrence in 5 minutes: none of these happen in normal operation, and missing data (no
traffic) is not a breach."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.definitions import StageConfig

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        api: appsync.IGraphqlApi,
        functions: Mapping[str, lambda_.IFunction],
        rules: Mapping[str, events.Rule],
        dead_letters: Mapping[str, sqs.IQueue] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", display_name=f"UGC {config.stage} alarms", enforce_ssl=True)
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = actions.SnsAction(self.topic)

        self._alarm(
            "ApiServerErrors",
            "The GraphQL API answered with server errors (5xx)",
            _sum("AWS/AppSync", "5XXError", GraphQLAPIId=api.api_id),
        )
        for name, function in functions.items():
            self._alarm(f"{name}Errors", f"The {name} function failed", function.metric_errors(period=PERIOD))
            self._alarm(
                f"{name}Throttles", f"The {name} function was throttled", function.metric_throttles(period=PERIOD)
            )
        for name, rule in rules.items():
            self._alarm(
                f"{name}FailedInvocations",
                f"EventBridge could not deliver events of {name} to their function",
                _sum("AWS/Events", "FailedInvocations", RuleName=rule.rule_name),
            )
        for name, queue in (dead_letters or {}).items():
            self._alarm(
                f"{name}DeadLetters",
                f"Jobs of the {name} queue failed every retry (redrive them once the cause is fixed)",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            )

    def _alarm(self, construct_id: str, description: str, metric: cloudwatch.IMetric) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)


def _sum(namespace: str, metric_name: str, **dimensions: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace, metric_name=metric_name, dimensions_map=dimensions, statistic="Sum", period=PERIOD
    )
