"""`ugc simulate` from the command line: the channel comes from the API, the stream goes to the local AWS."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from client.cli import main
from emulator.local_aws import LOCAL_CREDENTIALS, LOCAL_REGION
from emulator.simulator import SimulationError, find_target

API_KEY = "da2-simulatortestkey"


def _outputs(path: Path, graphql_url: str, aws_endpoint: str | None) -> Path:
    access_key, secret_key = LOCAL_CREDENTIALS
    document = {
        "version": "1.4",
        "auth": {"aws_region": LOCAL_REGION, "user_pool_id": "us-east-1_local", "user_pool_client_id": "client"},
        "data": {
            "url": graphql_url,
            "aws_region": LOCAL_REGION,
            "api_key": API_KEY,
            "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
            "authorization_types": ["API_KEY", "AWS_IAM"],
        },
    }
    if aws_endpoint is not None:
        document["custom"] = {
            "ugc": {
                "stage": "local",
                "aws_endpoint_url": aws_endpoint,
                "aws_credentials": {"access_key_id": access_key, "secret_access_key": secret_key},
            }
        }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def outputs(tmp_path, appsync, local_aws) -> Path:
    return _outputs(tmp_path / "amplify_outputs.json", appsync.url, local_aws.endpoint)


def test_ugc_simulate_stream_broadcasts_on_the_user_s_channel(outputs, appsync, channel, delivered, capsys):
    # GIVEN alice, whose channel the API knows by its IVS id
    appsync.channels["alice"] = channel["arn"].rsplit("/", 1)[-1]

    # WHEN `ugc simulate stream alice` runs for two seconds
    code = main(["--outputs", str(outputs), "simulate", "stream", "alice", "--duration", "2", "--seed", "1"])

    # THEN it looked the channel up anonymously, with the API key, and played a whole stream on it
    assert code == 0
    headers, body = appsync.requests[-1]
    assert headers["x-api-key"] == API_KEY
    assert body["variables"] == {"username": "alice"}
    names = [e["detail"]["event_name"] for e in delivered(channel["arn"])]
    assert names == ["Session Created", "Stream Start", "Stream End", "Session Ended"]
    progress = capsys.readouterr().err
    assert "Session Ended" in progress


def test_ugc_simulate_stream_for_an_unknown_user_fails_with_a_reason(outputs, capsys):
    # GIVEN no such user
    # WHEN a stream is simulated for them
    code = main(["--outputs", str(outputs), "simulate", "stream", f"nobody{uuid.uuid4().hex[:6]}", "--duration", "1"])

    # THEN the command fails as misused, saying why
    assert code == 2
    assert "there is no user" in capsys.readouterr().err


def test_ugc_simulate_needs_the_local_stack(tmp_path, appsync, capsys):
    # GIVEN outputs of a deployed stack (no local AWS endpoint)
    deployed = _outputs(tmp_path / "deployed.json", appsync.url, None)

    # WHEN a stream is simulated
    code = main(["--outputs", str(deployed), "simulate", "stream", "alice"])

    # THEN it refuses before calling anything
    assert code == 2
    assert "local stack" in capsys.readouterr().err
    assert appsync.requests == []


def test_ugc_simulate_replay_puts_a_recording_on_the_bus(outputs, tmp_path, delivered):
    # GIVEN a recorded event in a file
    arn = f"arn:aws:ivs:us-east-1:123456789012:channel/{uuid.uuid4().hex[:12]}"
    recorded = {
        "detail-type": "IVS Stream Health Change",
        "source": "aws.ivs",
        "time": "2024-05-01T12:00:00Z",
        "resources": [arn],
        "detail": {"event_name": "Starvation Start", "channel_name": "x", "stream_id": "st-" + "c" * 23},
    }
    recording = tmp_path / "events.json"
    recording.write_text(json.dumps([recorded]), encoding="utf-8")

    # WHEN it is replayed from the command line
    code = main(["--outputs", str(outputs), "simulate", "replay", str(recording), "--fast"])

    # THEN the event reached the stream-events function
    assert code == 0
    assert [e["detail"] for e in delivered(arn)] == [recorded["detail"]]


def test_ugc_simulate_without_what_to_simulate_is_a_usage_error(outputs):
    assert main(["--outputs", str(outputs), "simulate"]) == 2
    assert main(["--outputs", str(outputs), "simulate", "stream", "alice", "--duration", "0"]) == 2


def test_find_target_takes_any_graphql_runner(outputs, local_aws, channel):
    # GIVEN a GraphQL runner that knows alice's channel (the seam the CLI fills with the API client)
    from client.outputs import load_outputs

    channel_id = channel["arn"].rsplit("/", 1)[-1]
    seen = []

    def graphql(document, variables):
        seen.append(variables)
        return {
            "channel": {"id": channel_id, "username": variables["username"]}
            if variables["username"] == "alice"
            else None
        }

    loaded = load_outputs(str(outputs))

    # WHEN targets are found for alice and for someone else
    target = find_target(loaded, "alice", graphql)

    # THEN alice's is her channel on the local IVS, with its name and type
    assert (target.endpoint, target.channel_arn) == (local_aws.endpoint, channel["arn"])
    assert (target.channel_name, target.channel_type) == (channel["name"], "BASIC")
    with pytest.raises(SimulationError, match="no user"):
        find_target(loaded, "bob", graphql)
    assert seen == [{"username": "alice"}, {"username": "bob"}]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_simulator_ends_its_stream(outputs, appsync, channel, delivered, local_aws_client, sig):
    # GIVEN `ugc simulate stream` running as its own process, live on alice's channel
    appsync.channels["alice"] = channel["arn"].rsplit("/", 1)[-1]
    command = [sys.executable, "-c", "from client.cli import main; raise SystemExit(main())"]
    args = ["--outputs", str(outputs), "simulate", "stream", "alice", "--duration", "60", "--seed", "2"]
    process = subprocess.Popen([*command, *args], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        while "Stream Start" not in (line := process.stderr.readline()):
            assert line and time.monotonic() < deadline, "the simulator never went live"

        # WHEN it is terminated (kill, a closed terminal, a process manager)
        process.send_signal(sig)
        rest = process.communicate(timeout=30)[1]
    finally:
        process.kill()

    # THEN it ends the stream with its end events, says so, and exits cleanly
    assert process.returncode == 0, rest
    assert f"{sig.name}: ending the stream" in rest
    names = [e["detail"]["event_name"] for e in delivered(channel["arn"])]
    assert names[-2:] == ["Stream End", "Session Ended"]
    # AND the channel is offline, so the next run does not find it "already live"
    ivs = local_aws_client("ivs")
    with pytest.raises(ivs.exceptions.ChannelNotBroadcasting):
        ivs.get_stream(channelArn=channel["arn"])
