"""The local AWS's state file: written whole or not at all, and refused whole when it cannot be loaded, with
what to do; `ugc dev` says so and stops rather than starting on a half-loaded state."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.local_aws import persistence
from emulator.local_aws.persistence import STATE_FILE, Persistence, StateFileError
from emulator.local_aws.server import LocalAwsServer
from tests import dev_server


def test_a_save_is_atomic_and_a_write_cut_short_leaves_the_last_state_loadable(
    local_aws: LocalAwsServer, tmp_path: Path, local_aws_client
) -> None:
    kept = Persistence(tmp_path)
    # GIVEN a saved state
    assert kept.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [STATE_FILE]
    saved = kept.path.read_bytes()
    # WHEN a later write is cut short (a kill while writing leaves its temporary file, never the state's)
    kept.path.with_suffix(".tmp").write_bytes(saved[: len(saved) // 2])
    # THEN the state loads as it was last saved (here: what this process holds now, so nothing changes), and
    # the state file is still that save
    assert Persistence(tmp_path).load()
    assert kept.path.read_bytes() == saved


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 a zip file", "is not a state file of the local stack"),
        (persistence._MAGIC + pickle.dumps({"format": "0", "moto": "4.0.0"}), "written by another version"),
        (persistence._MAGIC + b"\x80\x05truncated", "cannot be read"),
    ],
)
def test_a_state_this_version_cannot_load_is_refused_whole_with_what_to_do(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / STATE_FILE).write_bytes(content)
    with pytest.raises(StateFileError, match=message) as refused:
        Persistence(tmp_path).load()
    assert "--reset" in str(refused.value)


def test_ugc_dev_stops_on_a_state_it_cannot_load_and_starts_afresh_with_reset(tmp_path: Path) -> None:
    state = tmp_path / "data" / "state"
    state.mkdir(parents=True)
    (state / STATE_FILE).write_bytes(persistence._MAGIC + pickle.dumps({"format": "0", "moto": "4.0.0"}))
    command = [
        *(sys.executable, "-c", dev_server.START),
        *("--port", str(dev_server.free_port()), "--aws-port", str(dev_server.free_port())),
        *("--data-dir", str(tmp_path / "data"), "--outputs", str(tmp_path / "outputs.json"), "--no-seed"),
    ]
    # WHEN ugc dev starts on it THEN it says what is wrong and what to do, and stops
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=dev_server.ROOT)
    assert refused.returncode == 1
    assert "written by another version" in refused.stderr and "--reset" in refused.stderr
    assert not (tmp_path / "outputs.json").exists()
    # AND with --reset it starts on a new state
    server = dev_server.start(tmp_path, "--no-seed", "--reset")
    try:
        assert server.outputs["auth"]["user_pool_id"]
    finally:
        dev_server.kill(server)
