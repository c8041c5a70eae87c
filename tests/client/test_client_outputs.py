from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from client.errors import ConfigError
from client.outputs import AmplifyOutputs, default_location, load_outputs


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_local_stack_outputs_load_with_endpoint_and_credentials(outputs_file: Path, outputs_doc: dict) -> None:
    # GIVEN the file the local stack writes
    # WHEN it is loaded
    outputs = load_outputs(outputs_file)

    # THEN every value the client needs is typed and the local endpoint and credentials are known
    assert outputs.auth.user_pool_id == outputs_doc["auth"]["user_pool_id"]
    assert outputs.auth.user_pool_client_id == outputs_doc["auth"]["user_pool_client_id"]
    assert outputs.data.url == outputs_doc["data"]["url"]
    assert outputs.data.api_key == outputs_doc["data"]["api_key"]
    assert outputs.data.authorization_types == ("API_KEY", "AWS_IAM")
    assert outputs.data.allows("AMAZON_COGNITO_USER_POOLS")
    assert outputs.data.allows("AWS_IAM")
    assert not outputs.data.allows("OPENID_CONNECT")
    assert outputs.aws_endpoint_url == outputs_doc["custom"]["ugc"]["aws_endpoint_url"]
    assert outputs.local_credentials is not None
    assert outputs.local_credentials.access_key_id == outputs_doc["custom"]["ugc"]["aws_credentials"]["access_key_id"]
    assert outputs.source == str(outputs_file)


def test_outputs_load_from_the_url_the_local_stack_serves(outputs_file: Path, appsync: Any) -> None:
    # GIVEN a server that serves amplify_outputs.json
    url = f"{appsync.base_url}/amplify_outputs.json"

    # WHEN the outputs are loaded from its URL
    outputs = load_outputs(url)

    # THEN they carry the same configuration as the file, and say where they came from
    from_file = load_outputs(outputs_file)
    assert (outputs.auth, outputs.data, outputs.ugc) == (from_file.auth, from_file.data, from_file.ugc)
    assert outputs.source == url


def test_deployed_stack_outputs_have_no_endpoint_override(tmp_path: Path, outputs_doc: dict) -> None:
    # GIVEN outputs of a deployed stack (no custom section at all)
    document = copy.deepcopy(outputs_doc)
    del document["custom"]

    # WHEN loaded
    outputs = load_outputs(write(tmp_path / "deployed.json", document))

    # THEN boto3 keeps its own endpoints and credential chain
    assert outputs.aws_endpoint_url is None
    assert outputs.local_credentials is None
    assert outputs.ugc is None


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("auth", "user_pool_client_id"),
        ("auth", "user_pool_id"),
        ("auth", "aws_region"),
        ("data", "url"),
        ("data", "default_authorization_type"),
    ],
)
def test_a_missing_required_key_is_named_in_the_error(
    tmp_path: Path, outputs_doc: dict, section: str, key: str
) -> None:
    # GIVEN outputs that lack one required key
    document = copy.deepcopy(outputs_doc)
    del document[section][key]
    path = write(tmp_path / "broken.json", document)

    # WHEN loaded THEN the error names the file and the dotted key
    with pytest.raises(ConfigError, match=rf"broken\.json: {section}\.{key} is missing"):
        load_outputs(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("auth"), r"auth is missing"),
        (lambda d: d.update(data=[]), r"data must be a JSON object"),
        (lambda d: d["data"].update(authorization_types="API_KEY"), r"data\.authorization_types must be a list"),
        (lambda d: d["data"].update(url="localhost:8000"), r"data\.url must be an http\(s\) URL"),
        (lambda d: d.update(version="2"), r"unsupported outputs version '2'"),
        (
            lambda d: d["custom"]["ugc"]["aws_credentials"].pop("secret_access_key"),
            r"custom\.ugc\.aws_credentials\.secret_access_key is missing",
        ),
        (lambda d: d["custom"]["ugc"].update(aws_endpoint_url=4566), r"custom\.ugc\.aws_endpoint_url must be"),
    ],
)
def test_malformed_values_are_refused_with_the_offending_key(
    tmp_path: Path, outputs_doc: dict, mutate: Any, message: str
) -> None:
    # GIVEN outputs with one malformed value
    document = copy.deepcopy(outputs_doc)
    mutate(document)

    # WHEN loaded THEN the error says which key and why
    with pytest.raises(ConfigError, match=message):
        load_outputs(write(tmp_path / "bad.json", document))


def test_an_unreadable_source_gives_a_config_error(tmp_path: Path, appsync: Any) -> None:
    # GIVEN a missing file, a file that is not JSON, and a URL that answers 404
    not_json = tmp_path / "garbage.json"
    not_json.write_text("{nope", encoding="utf-8")

    # WHEN each is loaded THEN each is a clear ConfigError
    with pytest.raises(ConfigError, match=r"no such file.*ugc dev"):
        load_outputs(tmp_path / "absent.json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_outputs(not_json)
    with pytest.raises(ConfigError, match="cannot fetch outputs"):
        load_outputs(f"{appsync.base_url}/missing.json")


def test_the_environment_is_preferred_to_the_working_directory_file(tmp_path: Path) -> None:
    # GIVEN both a file in the working directory and UGC_OUTPUTS
    (tmp_path / "amplify_outputs.json").write_text("{}", encoding="utf-8")
    env = {"UGC_OUTPUTS": "http://127.0.0.1:8000/amplify_outputs.json"}

    # WHEN the default location is resolved THEN the variable wins (it was set for this command)
    assert default_location(tmp_path, env) == env["UGC_OUTPUTS"]

    # AND without the variable the working directory's file is used, and without either the error says
    # what to do
    assert default_location(tmp_path, {}) == str(tmp_path / "amplify_outputs.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="UGC_OUTPUTS is not set"):
        default_location(empty, {})


def test_outputs_can_be_built_from_a_parsed_document(outputs_doc: dict) -> None:
    # GIVEN a parsed document WHEN validated in memory THEN it needs no file
    outputs = AmplifyOutputs.from_dict(outputs_doc)
    assert outputs.version == "1.4"
    assert outputs.ugc is not None
    assert outputs.ugc.stage == "local"
