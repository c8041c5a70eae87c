"""Alarms (`alarms`, `alarmEmail`): one per API server errors, per function errors and throttles, per
EventBridge rule failed deliveries and per work queue's dead letters, all on one topic; the e-mail
subscribed only where it is set."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import ConfigError, file_context, load_stage_config, stage_config
from infra.definitions import EVENT_RULES, FUNCTIONS, OUTPUTS, QUEUES, SCHEDULES
from tests.infra.infra_synth import Synth


def test_cdk_json_has_alarms_in_prod_only() -> None:
    context = file_context()
    assert load_stage_config({**context, "stage": "prod"}).alarms
    assert not load_stage_config({**context, "stage": "dev"}).alarms


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alarms": "yes"}, r"alarms: expected true or false"),
        ({"alarms": True, "alarmEmail": "ops"}, r"alarmEmail: expected an e-mail address"),
        ({"alarms": True, "alarmEmail": "ops@localhost"}, r"alarmEmail: expected an e-mail address"),
        ({"alarmEmail": "ops@example.com"}, r"alarmEmail: set only with alarms: true"),
    ],
)
def test_bad_alarm_options_fail_naming_the_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"context\.stages\.qa\.{message}"):
        stage_config("qa", options)


def _metric(alarm: dict[str, Any]) -> tuple[str, str]:
    return alarm["Namespace"], alarm["MetricName"]


def test_each_failure_an_operator_must_hear_of_has_an_alarm_on_the_topic(each_stage: Synth) -> None:
    alarms = list(each_stage.properties("AWS::CloudWatch::Alarm").values())
    topics = each_stage.properties("AWS::SNS::Topic")
    subscriptions = list(each_stage.properties("AWS::SNS::Subscription").values())

    if not each_stage.config.alarms:
        # THEN a stage without alarms has none, and no topic
        assert (alarms, topics, subscriptions) == ([], {}, [])
        return
    # THEN one topic, which every alarm notifies, each firing on one occurrence in 5 minutes (no traffic is fine)
    (topic_id,) = topics
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["Period"]) == (1, 1, 300)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
    # AND the alarms are: the API's 5xx, each function's errors and throttles, each rule's failed deliveries,
    # each queue's dead letters
    kinds = sorted(_metric(a) for a in alarms)
    expected = (
        [("AWS/AppSync", "5XXError")]
        + [("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles")] * len(FUNCTIONS)
        + [("AWS/Events", "FailedInvocations")] * (len(SCHEDULES) + len(EVENT_RULES))
        + [("AWS/SQS", "ApproximateNumberOfMessagesVisible")] * len(QUEUES)
    )
    assert kinds == sorted(expected)
    queues = each_stage.properties("AWS::SQS::Queue")
    dead_letters = {
        p["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] for p in queues.values() if "RedrivePolicy" in p
    }
    watched_queues = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms if a["Namespace"] == "AWS/SQS"}
    assert watched_queues == dead_letters
    api = {"Fn::GetAtt": [each_stage.only_id("AWS::AppSync::GraphQLApi"), "ApiId"]}
    (server_errors,) = [a for a in alarms if a["MetricName"] == "5XXError"]
    assert server_errors["Dimensions"] == [{"Name": "GraphQLAPIId", "Value": api}]
    watched = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms if a["MetricName"] == "FailedInvocations"}
    assert watched == set(each_stage.resources("AWS::Events::Rule"))
    functions = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms if a["Namespace"] == "AWS/Lambda"}
    handlers = {d.handler for d in FUNCTIONS.values()}
    lambdas = each_stage.properties("AWS::Lambda::Function")
    assert {lambdas[f]["Handler"] for f in functions} == handlers
    # AND the operator's e-mail is subscribed where set; the topic is an output either way
    expected_subscriptions = (
        [{"Protocol": "email", "Endpoint": each_stage.config.alarm_email, "TopicArn": {"Ref": topic_id}}]
        if each_stage.config.alarm_email
        else []
    )
    assert subscriptions == expected_subscriptions
    assert each_stage.template.to_json()["Outputs"][OUTPUTS.alarm_topic_arn]["Value"] == {"Ref": topic_id}
    # AND the topic refuses unencrypted (non-TLS) publishing
    policies = list(each_stage.properties("AWS::SNS::TopicPolicy").values())
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for p in policies
        for s in p["PolicyDocument"]["Statement"]
    )
